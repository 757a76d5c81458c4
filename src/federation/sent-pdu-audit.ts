import {
  computeEventId,
  domainOf,
  referencedEventIds,
  roomVersion,
  stateMapKey,
  type JsonObject,
  type Pdu,
  type RoomVersion,
  type StateMapKey,
  type VerifyKeys,
} from "../protocol/index.ts";
import { isJsonObject } from "../protocol/json.ts";
import { checkPdu, type PduViolation } from "./pdu-check.ts";
import type { InboundRequest } from "./peer-server.ts";
import type { ObservedAnswer } from "./remote-server.ts";
import type { PeerRoom } from "./room.ts";

/** A PDU another server sent the peer, with what the message that carried it tells about it. */
interface CarriedPdu {
  pdu: Pdu;
  where: string;
  roomId: string;
  version?: RoomVersion;
  expectedEventId?: string;
  /** The state the carrier says the event was built on (send_join's state before the join). */
  stateBefore?: Pdu[];
  /** Pushed to the peer (a transaction, an invite, a join), so its prev_events must be events the peer was given. */
  pushed: boolean;
}

/** What the audit needs of the peer: its name, its rooms and the keys of the servers that sign. */
export interface AuditScope {
  peerName: string;
  rooms: ReadonlyMap<string, PeerRoom>;
  requests: readonly InboundRequest[];
  answers: readonly ObservedAnswer[];
  key(server: string, keyId: string): Promise<Uint8Array | undefined>;
}

const pduList = (value: unknown): Pdu[] => (Array.isArray(value) ? (value.filter(isJsonObject) as Pdu[]) : []);
const versionOf = (value: unknown): RoomVersion | undefined => {
  try {
    return typeof value === "string" ? roomVersion(value) : undefined;
  } catch {
    return undefined;
  }
};

/** PDUs in a request a homeserver made to the peer: transactions, invites, and its own joins, leaves and knocks. */
function carriedByRequest(request: InboundRequest): CarriedPdu[] {
  const where = `${request.method} ${request.path} from ${request.origin ?? "an unauthenticated server"}`;
  const body = isJsonObject(request.body) ? request.body : {};
  if (request.method !== "PUT") return [];
  if (/^\/_matrix\/federation\/v1\/send\/[^/]+$/.test(request.path)) {
    return pduList(body["pdus"]).map((pdu) => ({ pdu, where, roomId: String(pdu["room_id"] ?? ""), pushed: true }));
  }
  const membership = /^\/_matrix\/federation\/v[12]\/(invite|send_join|send_leave|send_knock)\/([^/]+)\/([^/]+)$/.exec(request.path);
  if (!membership) return [];
  const [, kind, roomId = "", eventId = ""] = membership;
  const v2Invite = kind === "invite" && request.path.includes("/v2/");
  const event = v2Invite ? body["event"] : body;
  if (!isJsonObject(event)) return [];
  const version = v2Invite ? versionOf(body["room_version"]) : undefined;
  return [{ pdu: event as Pdu, where, roomId: decodeURIComponent(roomId), expectedEventId: decodeURIComponent(eventId), pushed: kind !== "invite", ...(version ? { version } : {}) }];
}

/** The state map of a list of state events (send_join's `state`), event IDs by (type, state_key). */
export function stateMapOf(pdus: Pdu[], version: RoomVersion): Map<StateMapKey, string> {
  const map = new Map<StateMapKey, string>();
  for (const pdu of pdus) if (typeof pdu["state_key"] === "string") map.set(stateMapKey(pdu.type, pdu["state_key"]), computeEventId(pdu, version));
  return map;
}

/** PDUs in a homeserver's answer to the peer: events, history, state, auth chains, joins and countersigned invites. */
function carriedByAnswer(answer: ObservedAnswer): CarriedPdu[] {
  if (answer.status < 200 || answer.status >= 300 || !isJsonObject(answer.body)) return [];
  const body = answer.body;
  const path = answer.options.path ?? {};
  const where = `${answer.server}'s answer to ${answer.ep.method} ${answer.ep.template}`;
  const inRoom = (pdus: Pdu[], roomId = path["roomId"]) => pdus.map((pdu) => ({ pdu, where, roomId: roomId ?? String(pdu["room_id"] ?? ""), pushed: false }));
  switch (answer.ep.template) {
    case "/_matrix/federation/v1/event/{eventId}":
      return inRoom(pduList(body["pdus"]), undefined).map((c) => ({ ...c, ...(path["eventId"] ? { expectedEventId: path["eventId"] } : {}) }));
    case "/_matrix/federation/v1/backfill/{roomId}":
      return inRoom(pduList(body["pdus"]));
    case "/_matrix/federation/v1/get_missing_events/{roomId}":
      return inRoom(pduList(body["events"]));
    case "/_matrix/federation/v1/state/{roomId}":
      return inRoom([...pduList(body["pdus"]), ...pduList(body["auth_chain"])]);
    case "/_matrix/federation/v1/event_auth/{roomId}/{eventId}":
      return inRoom(pduList(body["auth_chain"]));
    case "/_matrix/federation/v2/send_join/{roomId}/{eventId}":
      return carriedBySendJoin(answer, body, where);
    case "/_matrix/federation/v2/invite/{roomId}/{eventId}":
      return isJsonObject(body["event"]) ? [{ pdu: body["event"] as Pdu, where, roomId: path["roomId"] ?? "", pushed: false, ...(path["eventId"] ? { expectedEventId: path["eventId"] } : {}), ...versionFromInvite(answer) }] : [];
    default:
      return [];
  }
}

function versionFromInvite(answer: ObservedAnswer): { version?: RoomVersion } {
  const version = isJsonObject(answer.options.body) ? versionOf(answer.options.body["room_version"]) : undefined;
  return version ? { version } : {};
}

/** The state and auth chain of a join, and the join itself: its auth_events, chosen by the resident server in make_join, must fit the state it returned. */
function carriedBySendJoin(answer: ObservedAnswer, body: JsonObject, where: string): CarriedPdu[] {
  const roomId = answer.options.path?.["roomId"] ?? "";
  const state = pduList(body["state"]);
  const carried: CarriedPdu[] = [...state, ...pduList(body["auth_chain"])].map((pdu) => ({ pdu, where, roomId, pushed: false }));
  const join = isJsonObject(body["event"]) ? (body["event"] as Pdu) : isJsonObject(answer.options.body) ? (answer.options.body as Pdu) : undefined;
  const eventId = answer.options.path?.["eventId"];
  // With members omitted (a partial-state join) the state is incomplete, so the selection cannot be checked against it.
  const stateBefore = body["members_omitted"] === true ? {} : { stateBefore: state };
  if (join) carried.push({ pdu: join, where: `${where} (the join event)`, roomId, pushed: false, ...(eventId ? { expectedEventId: eventId } : {}), ...stateBefore });
  return carried;
}

async function keysFor(pdu: Pdu, scope: AuditScope): Promise<VerifyKeys> {
  const keys: Record<string, Record<string, Uint8Array>> = {};
  const signatures = isJsonObject(pdu["signatures"]) ? pdu["signatures"] : {};
  for (const [server, byKey] of Object.entries(signatures)) {
    if (!isJsonObject(byKey)) continue;
    for (const keyId of Object.keys(byKey)) {
      const key = await scope.key(server, keyId);
      if (key) (keys[server] ??= {})[keyId] = key;
    }
  }
  return keys;
}

/** The state before an event in the peer's model of the room, when the peer knows its ancestry. */
function stateBeforeInRoom(room: PeerRoom, pdu: Pdu, eventId: string): Map<StateMapKey, string> | undefined {
  if (room.event(eventId)) return room.stateBefore(eventId);
  const prevs = referencedEventIds(pdu["prev_events"] as string[]);
  if (prevs.length === 0 || !prevs.every((id) => room.event(id))) return undefined;
  return room.resolvedStateAfter(prevs);
}

/**
 * Checks every PDU a homeserver sent the peer, in requests and in answers: hash, signatures and
 * event ID of all of them; auth_events and prev_events of the homeserver's own events, against
 * the peer's model of the room (server-server-api/#checks-performed-on-receipt-of-a-pdu).
 */
export async function auditSentPdus(scope: AuditScope): Promise<PduViolation[]> {
  const carried = [...scope.requests.flatMap(carriedByRequest), ...scope.answers.flatMap(carriedByAnswer)];
  const sentIds = new Set<string>();
  const violations = new Map<string, PduViolation>();
  for (const item of carried) {
    const room = scope.rooms.get(item.roomId);
    const version = item.version ?? room?.version;
    if (!version) continue;
    let eventId: string;
    try {
      eventId = computeEventId(item.pdu, version);
    } catch {
      eventId = "";
    }
    if (eventId) sentIds.add(eventId);
    const ownEvent = typeof item.pdu.sender === "string" && domainOf(item.pdu.sender) !== scope.peerName;
    const stateBefore = fullStateBefore(item, version, room, eventId, ownEvent);
    const knows = ownEvent && item.pushed && room ? (id: string) => room.event(id) !== undefined || sentIds.has(id) : undefined;
    const found = checkPdu(item.pdu, {
      version,
      keys: await keysFor(item.pdu, scope),
      where: item.where,
      ...(item.expectedEventId !== undefined ? { expectedEventId: item.expectedEventId } : {}),
      ...(stateBefore ? { stateBefore } : {}),
      ...(knows ? { knows } : {}),
    });
    for (const v of found) if (!violations.has(`${v.eventId}|${v.rule}`)) violations.set(`${v.eventId}|${v.rule}`, v);
  }
  return [...violations.values()];
}

function fullStateBefore(item: CarriedPdu, version: RoomVersion, room: PeerRoom | undefined, eventId: string, ownEvent: boolean): ReadonlyMap<StateMapKey, string> | undefined {
  if (item.stateBefore) return stateMapOf(item.stateBefore, version);
  if (!ownEvent || !room || !eventId) return undefined;
  return stateBeforeInRoom(room, item.pdu, eventId);
}
