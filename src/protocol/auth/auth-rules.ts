import { decodeBase64, decodeBase64Url } from "../base64.ts";
import {
  domainOf,
  isValidUserId,
  membershipOf,
  referencedEventIds,
  stateMapKey,
  type RoomEvent,
} from "../event.ts";
import { isJsonObject, type JsonObject, type JsonValue } from "../json.ts";
import { isKnownRoomVersion, roomVersion as resolveRoomVersion, type RoomVersion } from "../room-versions.ts";
import { algorithmOf, verifyJson } from "../signing.ts";
import { authTypesFor } from "./auth-events-selection.ts";
import {
  createEventOf,
  joinRulesEventOf,
  memberEventOf,
  powerLevelsEventOf,
  toAuthState,
  type AuthState,
} from "./auth-state.ts";
import { parsePowerLevel, powerLevelsFrom, requiredPowerLevel, roomCreators, userPowerLevel, type PowerLevels } from "./power-levels.ts";

// Authorization rules (rooms/v1.md … rooms/v12.md "Authorization rules"). Rule names below follow
// the v12 numbering; version differences come from the RoomVersion feature table.

export type AuthResult =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** A stable identifier of the failed rule, e.g. `member.join.banned`. */
      readonly rule: string;
      /** What was expected and what was found. */
      readonly reason: string;
    };

export interface AuthCheckOptions {
  /**
   * Whether `event` carries a valid signature from `serverName` (rule 5.2, restricted joins).
   * Without it, the presence of a signature entry for that server is accepted.
   */
  isSignedBy?: (event: RoomEvent, serverName: string) => boolean;
}

const ALLOW: AuthResult = { allowed: true };

function reject(rule: string, reason: string): AuthResult {
  return { allowed: false, rule, reason };
}

/**
 * Decides whether `event` is allowed given `authState` (its auth events, or the room state at a
 * point) under the rules of `version`. The checks on the `auth_events` list itself (duplicates,
 * unexpected entries, rejected entries) are `checkAuthEventsList`.
 */
export function authCheck(
  event: RoomEvent,
  authState: AuthState | Iterable<RoomEvent>,
  version: string | RoomVersion,
  options: AuthCheckOptions = {},
): AuthResult {
  const rules = resolveRoomVersion(version);
  const state = toAuthState(authState);
  if (event.type === "m.room.create") return checkCreate(event, rules);

  const create = createEventOf(state);
  if (!create) return reject("auth_events.create", "the room's m.room.create event is not in the auth state");
  // Rule 2 (v12): the room ID is the create event's ID with sigil `!`.
  if (rules.roomIdIsCreateEventHash && event.room_id !== `!${create.event_id.slice(1)}`) {
    return reject("room_id.create_event", `room_id ${String(event.room_id)} does not name create event ${create.event_id}`);
  }
  // Rule 4: m.federate false keeps other servers out.
  if (create.content["m.federate"] === false && domainOf(event.sender) !== domainOf(create.sender)) {
    return reject("federate", `the room is not federated and ${domainOf(event.sender)} is not the creator's server`);
  }
  // v1–5: m.room.aliases is authorised by the sender's domain alone.
  if (rules.aliasesAuthRule && event.type === "m.room.aliases") {
    if (event.state_key === undefined) return reject("aliases.state_key", "m.room.aliases needs a state_key");
    if (event.state_key !== domainOf(event.sender)) {
      return reject("aliases.domain", `state_key ${event.state_key} is not the sender's domain ${domainOf(event.sender)}`);
    }
    return ALLOW;
  }

  const levels = powerLevelsFrom(powerLevelsEventOf(state), create, rules);
  if (event.type === "m.room.member") return checkMember(event, state, create, levels, rules, options);

  // Rule 6: everything else needs the sender to be joined.
  const senderMembership = membershipOf(memberEventOf(state, event.sender)) ?? "leave";
  if (senderMembership !== "join") {
    return reject("sender.not_joined", `${event.sender} is not joined (membership ${senderMembership})`);
  }
  const senderLevel = userPowerLevel(levels, event.sender);
  // Rule 7.
  if (event.type === "m.room.third_party_invite") {
    return senderLevel >= levels.invite
      ? ALLOW
      : reject("third_party_invite.power", `sender power ${senderLevel} is below the invite level ${levels.invite}`);
  }
  // Rule 8.
  const required = requiredPowerLevel(levels, event.type, event.state_key !== undefined);
  if (required > senderLevel) {
    return reject("event.power", `${event.type} needs power ${required}; ${event.sender} has ${senderLevel}`);
  }
  // Rule 9: state keyed by a user ID belongs to that user.
  if (event.state_key !== undefined && event.state_key.startsWith("@") && event.state_key !== event.sender) {
    return reject("state_key.user", `state_key ${event.state_key} is another user's`);
  }
  if (event.type === "m.room.power_levels") return checkPowerLevels(event, state, create, levels, senderLevel, rules);
  // v1–2 rule 11: redactions need the redact level or the same origin as the redacted event.
  if (rules.redactionAuthRule && event.type === "m.room.redaction") {
    if (senderLevel >= levels.redact) return ALLOW;
    if (typeof event.redacts === "string" && domainOf(event.redacts) === domainOf(event.event_id)) return ALLOW;
    return reject("redaction.power", `sender power ${senderLevel} is below the redact level ${levels.redact} and the redacted event is from another server`);
  }
  return ALLOW;
}

function checkCreate(event: RoomEvent, rules: RoomVersion): AuthResult {
  if (referencedEventIds(event.prev_events).length > 0) return reject("create.prev_events", "m.room.create must have no prev_events");
  if (rules.roomIdIsCreateEventHash) {
    if (event.room_id !== undefined) return reject("create.room_id", "in this room version the create event must not have a room_id");
  } else if (domainOf(event.room_id ?? "") !== domainOf(event.sender)) {
    return reject("create.room_id", `room_id ${String(event.room_id)} is not on the sender's server ${domainOf(event.sender)}`);
  }
  const declared = event.content["room_version"];
  if (declared !== undefined && (typeof declared !== "string" || !isKnownRoomVersion(declared))) {
    return reject("create.room_version", `content.room_version ${JSON.stringify(declared)} is not a known room version`);
  }
  if (!rules.creatorIsCreateSender && typeof event.content["creator"] !== "string") {
    return reject("create.creator", "content.creator is required before room version 11");
  }
  if (rules.privilegedCreators && event.content["additional_creators"] !== undefined) {
    const additional = event.content["additional_creators"];
    if (!Array.isArray(additional) || !additional.every(isValidUserId)) {
      return reject("create.additional_creators", "additional_creators must be an array of valid user IDs");
    }
  }
  return ALLOW;
}

function checkMember(
  event: RoomEvent,
  state: AuthState,
  create: RoomEvent,
  levels: PowerLevels,
  rules: RoomVersion,
  options: AuthCheckOptions,
): AuthResult {
  const target = event.state_key;
  const membership = event.content["membership"];
  // Rule 5.1.
  if (target === undefined || typeof membership !== "string") {
    return reject("member.shape", "m.room.member needs a state_key and content.membership");
  }
  // Rule 5.2 (v8+): the authorising server must have signed a restricted join.
  const authoriser = event.content["join_authorised_via_users_server"];
  if (rules.restrictedJoins && authoriser !== undefined) {
    const server = typeof authoriser === "string" ? domainOf(authoriser) : "";
    const signed = options.isSignedBy ? options.isSignedBy(event, server) : isJsonObject(event.signatures?.[server]);
    if (!signed) return reject("member.authoriser_signature", `not signed by the authorising server ${server || "(invalid user ID)"}`);
  }

  const senderMembership = membershipOf(memberEventOf(state, event.sender)) ?? "leave";
  const targetMembership = membershipOf(memberEventOf(state, target)) ?? "leave";
  const senderLevel = userPowerLevel(levels, event.sender);
  const targetLevel = userPowerLevel(levels, target);
  // Without a join rules event, joining works only by invite (as if the rule were `invite`).
  const joinRule = joinRulesEventOf(state)?.content["join_rule"] ?? "invite";

  switch (membership) {
    case "join": {
      // Rule 5.3.1: the creator's own first join right after the create event.
      const prevEvents = referencedEventIds(event.prev_events);
      if (prevEvents.length === 1 && prevEvents[0] === create.event_id && creatorOf(create, rules) === target) return ALLOW;
      if (event.sender !== target) return reject("member.join.sender", `${event.sender} cannot join on behalf of ${target}`);
      if (senderMembership === "ban") return reject("member.join.banned", `${target} is banned`);
      if (joinRule === "invite" || (rules.knocking && joinRule === "knock")) {
        return senderMembership === "invite" || senderMembership === "join"
          ? ALLOW
          : reject("member.join.invite_only", `join rule is ${joinRule} and ${target} is not invited (membership ${senderMembership})`);
      }
      if ((rules.restrictedJoins && joinRule === "restricted") || (rules.knockRestricted && joinRule === "knock_restricted")) {
        if (senderMembership === "invite" || senderMembership === "join") return ALLOW;
        if (typeof authoriser !== "string") {
          return reject("member.join.restricted", `join rule is ${joinRule} and no join_authorised_via_users_server is given`);
        }
        const authoriserMembership = membershipOf(memberEventOf(state, authoriser)) ?? "leave";
        if (authoriserMembership !== "join") {
          return reject("member.join.restricted", `authorising user ${authoriser} is not joined (membership ${authoriserMembership})`);
        }
        const authoriserLevel = userPowerLevel(levels, authoriser);
        if (authoriserLevel < levels.invite) {
          return reject("member.join.restricted", `authorising user ${authoriser} has power ${authoriserLevel}, below the invite level ${levels.invite}`);
        }
        return ALLOW;
      }
      if (joinRule === "public") return ALLOW;
      return reject("member.join.join_rule", `join rule ${JSON.stringify(joinRule)} does not allow joining`);
    }
    case "invite": {
      const thirdPartyInvite = event.content["third_party_invite"];
      if (thirdPartyInvite !== undefined) return checkThirdPartyInvite(event, thirdPartyInvite, targetMembership, state);
      if (senderMembership !== "join") return reject("member.invite.sender", `${event.sender} is not joined (membership ${senderMembership})`);
      if (targetMembership === "join" || targetMembership === "ban") {
        return reject("member.invite.target", `${target} cannot be invited (membership ${targetMembership})`);
      }
      return senderLevel >= levels.invite
        ? ALLOW
        : reject("member.invite.power", `sender power ${senderLevel} is below the invite level ${levels.invite}`);
    }
    case "leave": {
      if (event.sender === target) {
        const mayLeave = senderMembership === "invite" || senderMembership === "join" || (rules.knocking && senderMembership === "knock");
        return mayLeave ? ALLOW : reject("member.leave.self", `${target} cannot leave from membership ${senderMembership}`);
      }
      if (senderMembership !== "join") return reject("member.leave.sender", `${event.sender} is not joined (membership ${senderMembership})`);
      if (targetMembership === "ban" && senderLevel < levels.ban) {
        return reject("member.leave.unban", `unbanning needs the ban level ${levels.ban}; sender has ${senderLevel}`);
      }
      if (senderLevel >= levels.kick && targetLevel < senderLevel) return ALLOW;
      return reject("member.leave.kick", `kicking needs the kick level ${levels.kick} and more power than the target (sender ${senderLevel}, target ${targetLevel})`);
    }
    case "ban": {
      if (senderMembership !== "join") return reject("member.ban.sender", `${event.sender} is not joined (membership ${senderMembership})`);
      if (senderLevel >= levels.ban && targetLevel < senderLevel) return ALLOW;
      return reject("member.ban.power", `banning needs the ban level ${levels.ban} and more power than the target (sender ${senderLevel}, target ${targetLevel})`);
    }
    case "knock": {
      if (!rules.knocking) break;
      if (joinRule !== "knock" && !(rules.knockRestricted && joinRule === "knock_restricted")) {
        return reject("member.knock.join_rule", `join rule ${JSON.stringify(joinRule)} does not allow knocking`);
      }
      if (event.sender !== target) return reject("member.knock.sender", `${event.sender} cannot knock on behalf of ${target}`);
      if (senderMembership === "ban" || senderMembership === "invite" || senderMembership === "join") {
        return reject("member.knock.membership", `${target} cannot knock from membership ${senderMembership}`);
      }
      return ALLOW;
    }
  }
  return reject("member.unknown", `membership ${JSON.stringify(membership)} is not known in room version ${rules.id}`);
}

function creatorOf(create: RoomEvent, rules: RoomVersion): string | undefined {
  return rules.creatorIsCreateSender ? create.sender : typeof create.content["creator"] === "string" ? create.content["creator"] : undefined;
}

// Rule 5.4.1: an invite that redeems a third-party invite token.
function checkThirdPartyInvite(event: RoomEvent, thirdPartyInvite: JsonValue, targetMembership: string, state: AuthState): AuthResult {
  if (targetMembership === "ban") return reject("member.invite.third_party.banned", `${String(event.state_key)} is banned`);
  const signed = isJsonObject(thirdPartyInvite) ? thirdPartyInvite["signed"] : undefined;
  if (!isJsonObject(signed)) return reject("member.invite.third_party.signed", "third_party_invite has no signed object");
  const { mxid, token } = signed;
  if (typeof mxid !== "string" || typeof token !== "string") {
    return reject("member.invite.third_party.signed", "signed needs mxid and token");
  }
  if (mxid !== event.state_key) return reject("member.invite.third_party.mxid", `signed.mxid ${mxid} is not the state_key`);
  const invite = state.get(stateMapKey("m.room.third_party_invite", token));
  if (!invite) return reject("member.invite.third_party.token", `no m.room.third_party_invite with token ${token}`);
  if (invite.sender !== event.sender) {
    return reject("member.invite.third_party.sender", `the third-party invite was sent by ${invite.sender}, not ${event.sender}`);
  }
  const publicKeys: string[] = [];
  if (typeof invite.content["public_key"] === "string") publicKeys.push(invite.content["public_key"]);
  const listed = invite.content["public_keys"];
  if (Array.isArray(listed)) {
    for (const entry of listed) if (isJsonObject(entry) && typeof entry["public_key"] === "string") publicKeys.push(entry["public_key"]);
  }
  if (signedByAnyKey(signed, publicKeys)) return ALLOW;
  return reject("member.invite.third_party.signature", "no signature in signed matches a public key of the third-party invite");
}

function signedByAnyKey(signed: JsonObject, publicKeys: readonly string[]): boolean {
  const signatures = signed["signatures"];
  if (!isJsonObject(signatures)) return false;
  for (const encoded of publicKeys) {
    let key: Uint8Array;
    try {
      key = /[-_]/.test(encoded) ? decodeBase64Url(encoded) : decodeBase64(encoded);
    } catch {
      continue;
    }
    for (const [server, byKey] of Object.entries(signatures)) {
      if (!isJsonObject(byKey)) continue;
      for (const keyId of Object.keys(byKey)) {
        if (algorithmOf(keyId) === "ed25519" && verifyJson(signed, server, keyId, key)) return true;
      }
    }
  }
  return false;
}

const LEVEL_KEYS = ["users_default", "events_default", "state_default", "ban", "redact", "kick", "invite"] as const;

// Rule 10: power level changes.
function checkPowerLevels(
  event: RoomEvent,
  state: AuthState,
  create: RoomEvent,
  levels: PowerLevels,
  senderLevel: number,
  rules: RoomVersion,
): AuthResult {
  const content = event.content;
  if (rules.integerPowerLevels) {
    for (const key of LEVEL_KEYS) {
      if (content[key] !== undefined && !Number.isInteger(content[key])) {
        return reject("power_levels.integer", `${key} must be an integer, got ${JSON.stringify(content[key])}`);
      }
    }
    for (const key of ["events", "notifications"]) {
      const map = content[key];
      if (map !== undefined && (!isJsonObject(map) || !Object.values(map).every((v) => Number.isInteger(v)))) {
        return reject("power_levels.integer", `${key} must be an object of integers`);
      }
    }
  }
  const users = content["users"];
  if (users !== undefined) {
    if (!isJsonObject(users)) return reject("power_levels.users", "users must be an object");
    for (const [user, value] of Object.entries(users)) {
      if (!isValidUserId(user)) return reject("power_levels.users", `users key ${JSON.stringify(user)} is not a valid user ID`);
      if (parsePowerLevel(value, rules) === undefined) {
        return reject("power_levels.users", `users[${JSON.stringify(user)}] is not an integer power level: ${JSON.stringify(value)}`);
      }
    }
    // Rule 10.4 (v12): creators' power is fixed and cannot be listed.
    if (rules.privilegedCreators) {
      for (const creator of roomCreators(create, rules)) {
        if (Object.hasOwn(users, creator)) return reject("power_levels.creator", `creator ${creator} must not appear in users`);
      }
    }
  }
  const previous = powerLevelsEventOf(state);
  if (!previous) return ALLOW;

  const parse = (value: JsonValue | undefined): number | undefined => parsePowerLevel(value, rules);
  for (const key of LEVEL_KEYS) {
    const before = parse(previous.content[key]);
    const after = parse(content[key]);
    if (before === after) continue;
    if (before !== undefined && before > senderLevel) return reject("power_levels.change", `${key} is ${before}, above the sender's ${senderLevel}`);
    if (after !== undefined && after > senderLevel) return reject("power_levels.change", `${key} would be ${after}, above the sender's ${senderLevel}`);
  }
  const maps = rules.notificationsPowerLevels ? ["events", "notifications"] : ["events"];
  for (const key of maps) {
    const result = compareLevelMaps(key, previous.content[key], content[key], parse, (user, before, after) => {
      if (before !== undefined && before > senderLevel) return `${key}[${JSON.stringify(user)}] is ${before}, above the sender's ${senderLevel}`;
      if (after !== undefined && after > senderLevel) return `${key}[${JSON.stringify(user)}] would be ${after}, above the sender's ${senderLevel}`;
      return undefined;
    });
    if (result) return reject("power_levels.change", result);
  }
  const usersResult = compareLevelMaps("users", previous.content["users"], users, parse, (user, before, after) => {
    if (user !== event.sender && before !== undefined && before >= senderLevel) {
      return `${user} has power ${before}, not below the sender's ${senderLevel}`;
    }
    if (after !== undefined && after > senderLevel) return `${user} would get power ${after}, above the sender's ${senderLevel}`;
    return undefined;
  });
  if (usersResult) return reject("power_levels.users_change", usersResult);
  return ALLOW;
}

function compareLevelMaps(
  _name: string,
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  parse: (value: JsonValue | undefined) => number | undefined,
  check: (key: string, before: number | undefined, after: number | undefined) => string | undefined,
): string | undefined {
  const old = isJsonObject(before) ? before : {};
  const now = isJsonObject(after) ? after : {};
  for (const key of new Set([...Object.keys(old), ...Object.keys(now)])) {
    const a = parse(old[key]);
    const b = parse(now[key]);
    if (a === b) continue;
    const problem = check(key, a, b);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Rule 3: checks on the `auth_events` list itself — no duplicate keys, only keys the selection
 * algorithm names, no rejected entries, the create event present (v1–11) or absent (v12), and
 * every entry from the same room.
 */
export function checkAuthEventsList(
  event: RoomEvent,
  authEvents: readonly RoomEvent[],
  version: string | RoomVersion,
  isRejected: (eventId: string) => boolean = () => false,
): AuthResult {
  const rules = resolveRoomVersion(version);
  if (event.type === "m.room.create") return ALLOW;
  const allowed = new Set(authTypesFor(event, rules));
  const seen = new Set<string>();
  let hasCreate = false;
  for (const authEvent of authEvents) {
    if (authEvent.state_key === undefined) return reject("auth_events.selection", `${authEvent.event_id} is not a state event`);
    const key = stateMapKey(authEvent.type, authEvent.state_key);
    if (seen.has(key)) return reject("auth_events.duplicate", `two auth events for (${authEvent.type}, ${authEvent.state_key})`);
    seen.add(key);
    if (authEvent.type === "m.room.create") hasCreate = true;
    if (!allowed.has(key)) return reject("auth_events.selection", `(${authEvent.type}, ${authEvent.state_key}) is not a required auth event`);
    if (isRejected(authEvent.event_id)) return reject("auth_events.rejected", `auth event ${authEvent.event_id} was rejected`);
    const expectedRoom = authEvent.type === "m.room.create" && rules.roomIdIsCreateEventHash ? undefined : event.room_id;
    if (expectedRoom !== undefined && authEvent.room_id !== expectedRoom) {
      return reject("auth_events.room", `auth event ${authEvent.event_id} is from room ${String(authEvent.room_id)}`);
    }
  }
  if (!rules.roomIdIsCreateEventHash && !hasCreate) return reject("auth_events.create", "auth_events lacks the m.room.create event");
  return ALLOW;
}
