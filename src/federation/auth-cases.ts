import { createHash } from "node:crypto";
import { encodeBase64, signJson, signingKeyFromSeed, type JsonObject, type RoomVersion } from "../protocol/index.ts";
import type { AuthCaseBuilder } from "./auth-case-builder.ts";
import type { AuthRuleNumbers } from "./auth-rule-numbers.ts";

// One case per authorisation rule (and sub-rule) the reference core tells apart: a violation of
// exactly that rule and a control that satisfies it, built on the room's current state. The
// reference verdicts of every case in every room version are checked by the unit tests, so a
// case added here is a case the federation suite sends.

export interface AuthRuleCase {
  /** Unique: the reference rule it breaks, plus what differs when several cases break one rule. */
  readonly id: string;
  /** The reference core's identifier of the rule the violation breaks (`AuthResult.rule`). */
  readonly rule: string;
  /** What the violation does, in a test name. */
  readonly violates: string;
  /** The rule's number in the room version's list (rooms/vN.md "Authorisation rules"), or undefined where the version has no such rule. */
  readonly number: (numbers: AuthRuleNumbers, rules: RoomVersion) => string | undefined;
  readonly build: (b: AuthCaseBuilder) => void;
}

// The identity server of third-party invites: a fixed key, so that builds are reproducible.
const IDENTITY_SEED = createHash("sha256").update("gauntlet identity server").digest();
const OTHER_SEED = createHash("sha256").update("gauntlet other identity server").digest();
const IDENTITY_PUBLIC_KEY = encodeBase64(signingKeyFromSeed(IDENTITY_SEED).publicKey);

/** `m.room.third_party_invite` with `token`, by the creator (client-server API, "Third-party invites"). */
function thirdPartyInvite(b: AuthCaseBuilder, token: string, sender = b.creator) {
  return {
    type: "m.room.third_party_invite",
    stateKey: token,
    sender,
    // The validity URL is never fetched by the auth rules; it points at loopback all the same.
    content: { display_name: "invitee", key_validity_url: "https://127.0.0.1:9/_matrix/identity/v2/pubkey/isvalid", public_key: IDENTITY_PUBLIC_KEY },
  };
}

/** The `signed` object an identity server gives for a redeemed third-party invite. */
function signedBlock(fields: JsonObject, seed = IDENTITY_SEED): JsonObject {
  return signJson(fields, "identity.gauntlet.test", "ed25519:0", seed);
}

/** A third-party invite case: the creator publishes `token`, a violation and a control redeem it. */
function thirdPartyCase(id: string, violates: string, number: (n: AuthRuleNumbers) => string, violationOf: (b: AuthCaseBuilder, token: string, target: string) => void, rule = "member.invite.third_party.signed"): AuthRuleCase {
  return {
    id,
    rule,
    violates,
    number,
    build: (b) => {
      const token = b.user("token").slice(1).replace(/[^a-z0-9]/g, "");
      b.setup(thirdPartyInvite(b, token));
      violationOf(b, token, b.user("target"));
      const invitee = b.user("invitee");
      b.control(b.member(b.creator, "invite", invitee, { third_party_invite: { display_name: "invitee", signed: signedBlock({ mxid: invitee, token }) } }));
    },
  };
}

const setLevel = (key: string, value: number) => (c: JsonObject) => void (c[key] = value);
const setIn = (map: string, key: string, value: number | string) => (c: JsonObject) => void (c[map] = { ...(c[map] as JsonObject | undefined), [key]: value });
const dropAuthEvent = (b: AuthCaseBuilder, type: string) => (event: JsonObject): JsonObject => {
  const id = b.room.stateEvent(type)?.eventId;
  return { ...event, auth_events: (event["auth_events"] as JsonObject[]).filter((ref) => (Array.isArray(ref) ? ref[0] : ref) !== id) };
};
const addAuthEvent = (b: AuthCaseBuilder, eventId: string) => (event: JsonObject): JsonObject => ({ ...event, auth_events: [...(event["auth_events"] as JsonObject[]), ...b.room.references([eventId])] });
const replaceAuthEvent = (b: AuthCaseBuilder, type: string, eventId: string) => (event: JsonObject) => addAuthEvent(b, eventId)(dropAuthEvent(b, type)(event));
const message = (sender: string, body: string) => ({ type: "m.room.message", sender, content: { msgtype: "m.text", body } });

const memberCases: AuthRuleCase[] = [
  {
    id: "member.shape",
    rule: "member.shape",
    violates: "a member event without content.membership",
    number: (n) => `${n.member}.1`,
    build: (b) => {
      const user = b.user("u");
      b.violation({ type: "m.room.member", sender: user, stateKey: user, content: { displayname: "no membership" } });
      b.control(b.member(user, "join"));
    },
  },
  {
    id: "member.authoriser_signature",
    rule: "member.authoriser_signature",
    violates: "a join naming an authorising user of a server that did not sign it",
    number: (n) => n.memberAuthoriser,
    build: (b) => {
      b.violation(b.member(b.user("u"), "join", undefined, { join_authorised_via_users_server: b.options.foreignUser }));
      b.control(b.member(b.user("v"), "join", undefined, { join_authorised_via_users_server: b.creator }));
    },
  },
  {
    id: "member.join.sender",
    rule: "member.join.sender",
    violates: "a join sent by another user than the state_key",
    number: (n) => `${n.memberJoin}.2`,
    build: (b) => {
      const target = b.user("target");
      b.violation(b.member(b.user("other"), "join", target));
      b.control(b.member(target, "join"));
    },
  },
  {
    id: "member.join.banned",
    rule: "member.join.banned",
    violates: "a join by a banned user",
    number: (n) => `${n.memberJoin}.3`,
    build: (b) => {
      const banned = b.user("banned");
      b.setup(b.member(b.creator, "ban", banned));
      b.violation(b.member(banned, "join"));
      b.control(b.member(b.user("free"), "join"));
    },
  },
  {
    id: "member.join.invite_only",
    rule: "member.join.invite_only",
    violates: "a join to an invite-only room without an invite",
    number: (n) => `${n.memberJoin}.4`,
    build: (b) => {
      const invited = b.user("invited");
      b.setup(b.joinRule("invite"));
      b.setup(b.member(b.creator, "invite", invited));
      b.violation(b.member(b.user("uninvited"), "join"));
      b.control(b.member(invited, "join"));
    },
  },
  {
    id: "member.join.restricted.unjoined_authoriser",
    rule: "member.join.restricted",
    violates: "a join to a restricted room authorised by a user who is not joined",
    number: (n) => (n.memberAuthoriser ? `${n.memberJoin}.5.2` : undefined),
    build: (b) => restrictedJoinCase(b, "restricted"),
  },
  {
    id: "member.join.knock_restricted.unjoined_authoriser",
    rule: "member.join.restricted",
    violates: "a join to a knock_restricted room authorised by a user who is not joined",
    number: (n, rules) => (rules.knockRestricted ? `${n.memberJoin}.5.2` : undefined),
    build: (b) => restrictedJoinCase(b, "knock_restricted"),
  },
  {
    id: "member.join.join_rule",
    rule: "member.join.join_rule",
    violates: "a join under a join rule that admits nobody (private)",
    number: (n) => n.joinOtherwise,
    build: (b) => {
      b.setup(b.joinRule("private"));
      b.violation(b.member(b.user("u"), "join"));
      b.setup(b.joinRule("public"));
      b.control(b.member(b.user("v"), "join"));
    },
  },
  {
    id: "member.invite.sender",
    rule: "member.invite.sender",
    violates: "an invite from a user who is not joined (though powerful enough)",
    number: (n) => `${n.memberInvite}.2`,
    build: (b) => {
      const outsider = b.user("outsider");
      b.grant(outsider, 50);
      b.violation(b.member(outsider, "invite", b.user("target")));
      b.control(b.member(b.creator, "invite", b.user("target")));
    },
  },
  {
    id: "member.invite.target.joined",
    rule: "member.invite.target",
    violates: "an invite of a user who is already joined",
    number: (n) => `${n.memberInvite}.3`,
    build: (b) => {
      const joined = b.user("joined");
      b.join(joined);
      b.violation(b.member(b.creator, "invite", joined));
      b.control(b.member(b.creator, "invite", b.user("fresh")));
    },
  },
  {
    id: "member.invite.target.banned",
    rule: "member.invite.target",
    violates: "an invite of a banned user",
    number: (n) => `${n.memberInvite}.3`,
    build: (b) => {
      const banned = b.user("banned");
      b.setup(b.member(b.creator, "ban", banned));
      b.violation(b.member(b.creator, "invite", banned));
      b.control(b.member(b.creator, "invite", b.user("fresh")));
    },
  },
  {
    id: "member.invite.power",
    rule: "member.invite.power",
    violates: "an invite from a member below the invite level",
    number: (n) => `${n.memberInvite}.5`,
    build: (b) => {
      const weak = b.user("weak");
      b.setup(b.powerLevels(setLevel("invite", 50)));
      b.join(weak);
      b.violation(b.member(weak, "invite", b.user("target")));
      b.control(b.member(b.creator, "invite", b.user("target")));
    },
  },
  thirdPartyCase("member.invite.third_party.banned", "a third-party invite of a banned user", (n) => `${n.memberInvite}.1.1`, (b, token, target) => {
    b.setup(b.member(b.creator, "ban", target));
    b.violation(b.member(b.creator, "invite", target, { third_party_invite: { display_name: "invitee", signed: signedBlock({ mxid: target, token }) } }));
  }, "member.invite.third_party.banned"),
  thirdPartyCase("member.invite.third_party.no_signed", "a third-party invite without signed", (n) => `${n.memberInvite}.1.2`, (b, _token, target) => {
    b.violation(b.member(b.creator, "invite", target, { third_party_invite: { display_name: "invitee" } }));
  }),
  thirdPartyCase("member.invite.third_party.no_token", "a third-party invite whose signed has no token", (n) => `${n.memberInvite}.1.3`, (b, _token, target) => {
    b.violation(b.member(b.creator, "invite", target, { third_party_invite: { display_name: "invitee", signed: signedBlock({ mxid: target }) } }));
  }),
  thirdPartyCase("member.invite.third_party.mxid", "a third-party invite whose signed mxid is not the state_key", (n) => `${n.memberInvite}.1.4`, (b, token, target) => {
    b.violation(b.member(b.creator, "invite", target, { third_party_invite: { display_name: "invitee", signed: signedBlock({ mxid: b.user("someone_else"), token }) } }));
  }, "member.invite.third_party.mxid"),
  thirdPartyCase("member.invite.third_party.token", "a third-party invite redeeming a token no m.room.third_party_invite holds", (n) => `${n.memberInvite}.1.5`, (b, token, target) => {
    b.violation(b.member(b.creator, "invite", target, { third_party_invite: { display_name: "invitee", signed: signedBlock({ mxid: target, token: `${token}unknown` }) } }));
  }, "member.invite.third_party.token"),
  thirdPartyCase("member.invite.third_party.sender", "a third-party invite redeemed by another sender than the invite's", (n) => `${n.memberInvite}.1.6`, (b, token, target) => {
    const other = b.user("other");
    b.grant(other, 50);
    b.join(other);
    b.violation(b.member(other, "invite", target, { third_party_invite: { display_name: "invitee", signed: signedBlock({ mxid: target, token }) } }));
  }, "member.invite.third_party.sender"),
  thirdPartyCase("member.invite.third_party.signature", "a third-party invite signed by a key the invite does not list", (n) => `${n.memberInvite}.1.8`, (b, token, target) => {
    b.violation(b.member(b.creator, "invite", target, { third_party_invite: { display_name: "invitee", signed: signedBlock({ mxid: target, token }, OTHER_SEED) } }));
  }, "member.invite.third_party.signature"),
  {
    id: "member.leave.self",
    rule: "member.leave.self",
    violates: "a leave by a user who was never in the room",
    number: (n) => `${n.memberLeave}.1`,
    build: (b) => {
      b.violation(b.member(b.user("stranger"), "leave"));
      const member = b.user("member");
      b.join(member);
      b.control(b.member(member, "leave"));
    },
  },
  {
    id: "member.leave.unban",
    rule: "member.leave.unban",
    violates: "an unban by a member with the kick level but below the ban level",
    number: (n) => `${n.memberLeave}.3`,
    build: (b) => {
      const moderator = b.user("moderator");
      const banned = b.user("banned");
      b.setup(b.powerLevels((c) => {
        c["ban"] = 75;
        c["users"] = { ...(c["users"] as JsonObject), [moderator]: 60 };
      }));
      b.join(moderator);
      b.setup(b.member(b.creator, "ban", banned));
      b.violation(b.member(moderator, "leave", banned));
      b.control(b.member(b.creator, "leave", banned));
    },
  },
  moderationCase("leave", "sender", "a kick by a user who is not joined (though powerful enough)", (n) => `${n.memberLeave}.2`),
  moderationCase("leave", "kick", "a kick by a member below the kick level", (n) => `${n.memberLeave}.5`),
  moderationCase("ban", "sender", "a ban by a user who is not joined (though powerful enough)", (n) => `${n.memberBan}.1`),
  moderationCase("ban", "power", "a ban by a member below the ban level", (n) => `${n.memberBan}.3`),
  {
    id: "member.knock.join_rule",
    rule: "member.knock.join_rule",
    violates: "a knock on a public room",
    number: (n) => (n.memberKnock ? `${n.memberKnock}.1` : undefined),
    build: (b) => {
      b.violation(b.member(b.user("u"), "knock"));
      b.setup(b.joinRule("knock"));
      b.control(b.member(b.user("v"), "knock"));
    },
  },
  {
    id: "member.knock.sender",
    rule: "member.knock.sender",
    violates: "a knock sent by another user than the state_key",
    number: (n) => (n.memberKnock ? `${n.memberKnock}.2` : undefined),
    build: (b) => {
      const target = b.user("target");
      b.setup(b.joinRule("knock"));
      b.violation(b.member(b.user("other"), "knock", target));
      b.control(b.member(target, "knock"));
    },
  },
  {
    id: "member.knock.membership",
    rule: "member.knock.membership",
    violates: "a knock by a user who is already invited",
    number: (n) => (n.memberKnock ? `${n.memberKnock}.4` : undefined),
    build: (b) => {
      const invited = b.user("invited");
      b.setup(b.joinRule("knock"));
      b.setup(b.member(b.creator, "invite", invited));
      b.violation(b.member(invited, "knock"));
      b.control(b.member(b.user("fresh"), "knock"));
    },
  },
  {
    id: "member.unknown",
    rule: "member.unknown",
    violates: "a membership the room version does not define",
    number: (n) => n.memberUnknown,
    build: (b) => {
      const user = b.user("u");
      b.violation(b.member(user, "org.gauntlet.unknown"));
      b.control(b.member(user, "join"));
    },
  },
  {
    id: "member.unknown.knock_before_v7",
    rule: "member.unknown",
    violates: "a knock in a room version without knocking",
    number: (n) => (n.memberKnock ? undefined : n.memberUnknown),
    build: (b) => {
      const user = b.user("u");
      b.setup(b.joinRule("knock"));
      b.violation(b.member(user, "knock"));
      b.setup(b.joinRule("public"));
      b.control(b.member(user, "join"));
    },
  },
];

/**
 * A kick (`leave`) or ban of a joined target by a moderator who is either not joined though
 * powerful enough (`sender`), or joined without the power (`kick`, `power`); the creator's is the control.
 */
function moderationCase(membership: "leave" | "ban", rule: "sender" | "kick" | "power", violates: string, number: AuthRuleCase["number"]): AuthRuleCase {
  return {
    id: `member.${membership}.${rule}`,
    rule: `member.${membership}.${rule}`,
    violates,
    number,
    build: (b) => {
      const moderator = b.user("moderator");
      const target = b.user("target");
      if (rule === "sender") b.grant(moderator, 60);
      else b.join(moderator);
      b.join(target);
      b.violation(b.member(moderator, membership, target));
      b.control(b.member(b.creator, membership, target));
    },
  };
}

function restrictedJoinCase(b: AuthCaseBuilder, rule: string): void {
  b.setup(b.joinRule(rule, { allow: [{ type: "m.room_membership", room_id: `!elsewhere:${b.options.serverName}` }] }));
  b.violation(b.member(b.user("u"), "join", undefined, { join_authorised_via_users_server: b.user("absent") }));
  b.control(b.member(b.user("v"), "join", undefined, { join_authorised_via_users_server: b.creator }));
}

const otherCases: AuthRuleCase[] = [
  {
    id: "auth_events.duplicate",
    rule: "auth_events.duplicate",
    violates: "auth_events with two member events of the sender",
    number: (n) => `${n.authEvents}.1`,
    build: (b) => {
      const user = b.user("u");
      const first = b.join(user);
      b.setup({ ...b.member(user, "join"), content: { membership: "join", displayname: "renamed" } });
      b.violation(message(user, "two member events"), addAuthEvent(b, first.eventId));
      b.control(message(user, "one member event"));
    },
  },
  {
    id: "auth_events.selection",
    rule: "auth_events.selection",
    violates: "auth_events with an event the selection does not name (join rules on a message)",
    number: (n) => `${n.authEvents}.2`,
    build: (b) => {
      b.violation(message(b.creator, "cites the join rules"), addAuthEvent(b, b.room.stateEvent("m.room.join_rules")!.eventId));
      b.control(message(b.creator, "cites what it should"));
    },
  },
  {
    id: "auth_events.rejected",
    rule: "auth_events.rejected",
    violates: "auth_events citing a rejected power levels event",
    number: (n) => `${n.authEvents}.3`,
    build: (b) => {
      const weak = b.user("weak");
      b.join(weak);
      // Rejected itself: a member without power may not change the power levels.
      const rejected = b.rejected(b.powerLevels(setLevel("events_default", 0), weak));
      b.violation(message(b.creator, "cites a rejected event"), replaceAuthEvent(b, "m.room.power_levels", rejected.eventId));
      b.control(message(b.creator, "cites the accepted power levels"));
    },
  },
  {
    id: "auth_events.create",
    rule: "auth_events.create",
    violates: "auth_events without the create event",
    number: (n) => (n.roomId === undefined ? `${n.authEvents}.4` : undefined),
    build: (b) => {
      b.violation(message(b.creator, "no create event"), dropAuthEvent(b, "m.room.create"));
      b.control(message(b.creator, "with the create event"));
    },
  },
  {
    id: "auth_events.selection.create_cited",
    rule: "auth_events.selection",
    violates: "auth_events citing the create event, which this version never selects",
    number: (n) => (n.roomId === undefined ? undefined : `${n.authEvents}.2`),
    build: (b) => {
      const create = [...b.room.events.values()].find((e) => e.pdu.type === "m.room.create")!;
      b.violation(message(b.creator, "cites the create event"), addAuthEvent(b, create.eventId));
      b.control(message(b.creator, "cites no create event"));
    },
  },
  {
    id: "aliases.domain",
    rule: "aliases.domain",
    violates: "m.room.aliases whose state_key is another server than the sender's",
    number: (n) => (n.aliases === undefined ? undefined : `${n.aliases}.2`),
    build: (b) => {
      const foreign = b.options.foreignUser.slice(b.options.foreignUser.indexOf(":") + 1);
      b.violation({ type: "m.room.aliases", stateKey: foreign, sender: b.creator, content: { aliases: [`#gauntlet:${foreign}`] } });
      b.control({ type: "m.room.aliases", stateKey: b.options.serverName, sender: b.creator, content: { aliases: [`#gauntlet:${b.options.serverName}`] } });
    },
  },
  {
    id: "sender.not_joined",
    rule: "sender.not_joined",
    violates: "a message from a user who is not joined",
    number: (n) => `${n.senderJoined}`,
    build: (b) => {
      b.violation(message(b.user("outsider"), "not a member"));
      const member = b.user("member");
      b.join(member);
      b.control(message(member, "a member"));
    },
  },
  {
    id: "third_party_invite.power",
    rule: "third_party_invite.power",
    violates: "m.room.third_party_invite from a member below the invite level",
    number: (n) => `${n.thirdPartyInvite}.1`,
    build: (b) => {
      const weak = b.user("weak");
      b.setup(b.powerLevels(setLevel("invite", 50)));
      b.join(weak);
      b.violation(thirdPartyInvite(b, "weaktoken", weak));
      b.control(thirdPartyInvite(b, "strongtoken"));
    },
  },
  {
    id: "event.power",
    rule: "event.power",
    violates: "a state event from a member below its required power level",
    number: (n) => `${n.eventPower}`,
    build: (b) => {
      const weak = b.user("weak");
      b.join(weak);
      b.violation({ type: "m.room.topic", stateKey: "", sender: weak, content: { topic: "not allowed" } });
      b.control({ type: "m.room.topic", stateKey: "", sender: b.creator, content: { topic: "allowed" } });
    },
  },
  {
    id: "state_key.user",
    rule: "state_key.user",
    violates: "a state event keyed by another user's ID",
    number: (n) => `${n.stateKeyUser}`,
    build: (b) => {
      const user = b.user("u");
      b.grant(user, 50);
      b.join(user);
      b.violation({ type: "org.gauntlet.profile", stateKey: b.user("other"), sender: user, content: { about: "someone else" } });
      b.control({ type: "org.gauntlet.profile", stateKey: user, sender: user, content: { about: "myself" } });
    },
  },
  {
    id: "redaction.power",
    rule: "redaction.power",
    violates: "a redaction below the redact level of another server's event",
    number: (n) => (n.redaction === undefined ? undefined : `${n.redaction}.3`),
    build: (b) => {
      const user = b.user("u");
      const own = b.join(user);
      b.violation({ type: "m.room.redaction", sender: user, content: {} }, (e) => ({ ...e, redacts: b.options.foreignEventId }));
      b.control({ type: "m.room.redaction", sender: user, content: {} }, (e) => ({ ...e, redacts: own.eventId }));
    },
  },
];

/** A power levels case: a member with power 50 makes a change (violation), then an allowed one (control). */
function powerCase(id: string, rule: string, violates: string, number: AuthRuleCase["number"], violation: (c: JsonObject, b: AuthCaseBuilder) => void, control: (c: JsonObject, b: AuthCaseBuilder) => void, prepare?: (c: JsonObject, b: AuthCaseBuilder) => void, controlByCreator = false): AuthRuleCase {
  return {
    id,
    rule,
    violates,
    number,
    build: (b) => {
      const moderator = b.user("moderator");
      b.setup(b.powerLevels((c) => {
        c["users"] = { ...(c["users"] as JsonObject), [moderator]: 50 };
        prepare?.(c, b);
      }));
      b.join(moderator);
      b.violation(b.powerLevels((c) => violation(c, b), moderator));
      b.control(b.powerLevels((c) => control(c, b), controlByCreator ? b.creator : moderator));
    },
  };
}

const powerLevelCases: AuthRuleCase[] = [
  powerCase("power_levels.users.key", "power_levels.users", "power levels whose users has a key that is not a user ID", (n) => n.plUsers,
    (c) => setIn("users", "not-a-user-id", 10)(c), (c, b) => setIn("users", b.user("valid"), 10)(c)),
  powerCase("power_levels.users.value", "power_levels.users", "power levels whose users has a value that is not an integer", (n) => n.plUsers,
    (c, b) => setIn("users", b.user("valid"), "ten")(c), (c, b) => setIn("users", b.user("valid"), 10)(c)),
  powerCase("power_levels.integer.level", "power_levels.integer", "power levels with a level given as a string", (n, rules) => (rules.integerPowerLevels ? `${n.powerLevels}.1` : undefined),
    (c) => setLevel("redact", "40" as unknown as number)(c), (c) => setLevel("redact", 40)(c)),
  powerCase("power_levels.integer.events", "power_levels.integer", "power levels whose events has a string value", (n, rules) => (rules.integerPowerLevels ? `${n.powerLevels}.2` : undefined),
    (c) => setIn("events", "org.gauntlet.a", "40")(c), (c) => setIn("events", "org.gauntlet.a", 40)(c)),
  powerCase("power_levels.creator", "power_levels.creator", "power levels listing a creator in users", (n) => n.plCreators,
    (c, b) => setIn("users", b.creator, 100)(c), (c, b) => setIn("users", b.user("valid"), 10)(c), undefined, true),
  powerCase("power_levels.change.level_raised_above_sender", "power_levels.change", "a level raised above the sender's power", (n) => `${n.plLevels}.2`,
    (c) => setLevel("kick", 60)(c), (c) => setLevel("kick", 40)(c)),
  powerCase("power_levels.change.level_above_sender", "power_levels.change", "a change of a level above the sender's power", (n) => `${n.plLevels}.1`,
    (c) => setLevel("redact", 40)(c), (c) => setLevel("kick", 40)(c), (c) => setLevel("redact", 60)(c)),
  powerCase("power_levels.change.event_above_sender", "power_levels.change", "an events entry above the sender's power changed", (n) => `${n.plEventsChanged}.1`,
    (c) => setIn("events", "org.gauntlet.high", 40)(c), (c) => setIn("events", "org.gauntlet.low", 40)(c), (c) => {
      setIn("events", "org.gauntlet.high", 60)(c);
      setIn("events", "org.gauntlet.low", 30)(c);
    }),
  powerCase("power_levels.change.event_added_above_sender", "power_levels.change", "an events entry added above the sender's power", (n) => `${n.plEventsAdded}.1`,
    (c) => setIn("events", "org.gauntlet.new", 60)(c), (c) => setIn("events", "org.gauntlet.new", 50)(c)),
  powerCase("power_levels.change.notifications_above_sender", "power_levels.change", "a notifications entry added above the sender's power", (n, rules) => (rules.notificationsPowerLevels ? `${n.plEventsAdded}.1` : undefined),
    (c) => setIn("notifications", "room", 60)(c), (c) => setIn("notifications", "room", 40)(c)),
  powerCase("power_levels.users_change.peer", "power_levels.users_change", "a change of a user whose power is not below the sender's", (n) => `${n.plUsersChanged}.1`,
    (c, b) => setIn("users", b.user("peer"), 10)(c), (c, b) => setIn("users", b.user("junior"), 20)(c), (c, b) => {
      setIn("users", b.user("peer"), 50)(c);
      setIn("users", b.user("junior"), 10)(c);
    }),
  powerCase("power_levels.users_change.above_sender", "power_levels.users_change", "a user raised above the sender's power", (n) => `${n.plUsersAdded}.1`,
    (c, b) => setIn("users", b.user("raised"), 60)(c), (c, b) => setIn("users", b.user("raised"), 50)(c)),
];

/** Every case, in the order a room runs them. */
export const AUTH_RULE_CASES: readonly AuthRuleCase[] = [...memberCases, ...otherCases, ...powerLevelCases];

/** The cases a room version has a rule for, with the rule's number there. */
export function casesFor(rules: RoomVersion, numbers: AuthRuleNumbers): { ruleCase: AuthRuleCase; number: string }[] {
  const out: { ruleCase: AuthRuleCase; number: string }[] = [];
  for (const ruleCase of AUTH_RULE_CASES) {
    const number = ruleCase.number(numbers, rules);
    if (number !== undefined) out.push({ ruleCase, number });
  }
  return out;
}
