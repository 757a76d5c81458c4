import { computeEventId, type JsonObject, type JsonValue, type Pdu, type RoomVersion } from "../protocol/index.ts";
import { isJsonObject } from "../protocol/json.ts";
import { matrixError, type Reply, type Route, type RouteHandler } from "./peer-server.ts";
import type { PeerRoom, StoredEvent } from "./room.ts";

/** A PDU another server sent the peer in a transaction, and whether the peer accepted it. */
export interface ReceivedPdu {
  origin: string;
  roomId: string;
  eventId: string;
  pdu: Pdu;
  /** Why the peer rejected it (signature, auth rules, unknown room), when it did. */
  rejected?: string;
}

/** What the routes need of the peer: its rooms, its name, signature checks and where received PDUs go. */
export interface ResidentServer {
  readonly serverName: string;
  readonly rooms: Map<string, PeerRoom>;
  verifyPdu(pdu: Pdu, version: RoomVersion | string): Promise<string | undefined>;
  receive(pdu: ReceivedPdu): void;
}

const pdus = (events: StoredEvent[]): JsonValue[] => events.map((e) => e.pdu);

function isReply(value: PeerRoom | Reply | { room: PeerRoom; state: StoredEvent[] }): value is Reply {
  return "status" in value;
}

function roomFinder(peer: ResidentServer): (roomId: string | undefined) => PeerRoom | Reply {
  return (roomId) => peer.rooms.get(roomId ?? "") ?? matrixError(404, "M_NOT_FOUND", `the peer hosts no room ${roomId}`);
}

/**
 * The server-server endpoints the peer answers as a resident server of its rooms
 * (server-server-api/#joining-rooms, #transactions, #retrieving-events), plus empty answers for
 * the queries a homeserver makes of any server it federates with.
 */
export function residentRoutes(peer: ResidentServer): Route[] {
  const routes: Route[] = [];
  const route = (method: string, pattern: RegExp, handler: RouteHandler) => routes.push({ method, pattern, handler });
  const roomOf = roomFinder(peer);

  route("GET", /^\/_matrix\/federation\/v1\/make_join\/([^/]+)\/([^/]+)$/, ({ params, origin }) => {
    const [roomId = "", userId = ""] = params;
    const room = roomOf(roomId);
    if (isReply(room)) return room;
    if (!userId.endsWith(`:${origin}`)) return matrixError(403, "M_FORBIDDEN", `${userId} does not belong to ${origin}`);
    const event = room.prototype({ type: "m.room.member", sender: userId, stateKey: userId, content: { membership: "join" } });
    return { status: 200, body: { room_version: room.version.id, event } };
  });
  route("PUT", /^\/_matrix\/federation\/v2\/send_join\/([^/]+)\/([^/]+)$/, ({ params, body }) => sendJoin(peer, roomOf(params[0]), body as Pdu));
  route("PUT", /^\/_matrix\/federation\/v1\/send\/([^/]+)$/, ({ body, origin }) => receiveTransaction(peer, origin, body));
  route("GET", /^\/_matrix\/federation\/v1\/user\/devices\/([^/]+)$/, ({ params }) => ({ status: 200, body: { user_id: params[0] ?? "", stream_id: 0, devices: [] } }));
  route("POST", /^\/_matrix\/federation\/v1\/user\/keys\/query$/, () => ({ status: 200, body: { device_keys: {} } }));
  route("GET", /^\/_matrix\/federation\/v1\/query\/profile$/, () => ({ status: 200, body: {} }));
  routes.push(...historyRoutes(peer));
  return routes;
}

/** Room history a server in the peer's rooms may read (server-server-api/#retrieving-events, #backfilling-and-retrieving-missing-events). */
function historyRoutes(peer: ResidentServer): Route[] {
  const routes: Route[] = [];
  const route = (method: string, pattern: RegExp, handler: RouteHandler) => routes.push({ method, pattern, handler });
  const roomOf = roomFinder(peer);
  route("GET", /^\/_matrix\/federation\/v1\/event\/([^/]+)$/, ({ params }) => {
    for (const room of peer.rooms.values()) {
      const stored = room.event(params[0] ?? "");
      if (stored) return { status: 200, body: { origin: peer.serverName, origin_server_ts: Date.now(), pdus: [stored.pdu] } };
    }
    return matrixError(404, "M_NOT_FOUND", "unknown event");
  });
  // The state at an event is the state before it (server-server API, "GET /state_ids"); without
  // event_id the peer answers with its current state.
  const stateAt = (roomId: string | undefined, eventId: string | null): { room: PeerRoom; state: StoredEvent[] } | Reply => {
    const room = roomOf(roomId);
    if (isReply(room)) return room;
    if (eventId === null) return { room, state: room.currentState() };
    if (!room.event(eventId)) return matrixError(404, "M_NOT_FOUND", `the peer has no event ${eventId} in ${roomId}`);
    const before = room.stateBefore(eventId);
    // Rooms joined elsewhere hold events without their ancestry: answer with the current state, as before.
    if (!before) return { room, state: room.currentState() };
    return { room, state: [...before.values()].map((id) => room.event(id)).filter((e): e is StoredEvent => e !== undefined) };
  };
  route("GET", /^\/_matrix\/federation\/v1\/state_ids\/([^/]+)$/, ({ params, query }) => {
    const found = stateAt(params[0], query.get("event_id"));
    if (isReply(found)) return found;
    const ids = found.state.map((s) => s.eventId);
    return { status: 200, body: { pdu_ids: ids, auth_chain_ids: found.room.authChain(ids).map((s) => s.eventId) } };
  });
  route("GET", /^\/_matrix\/federation\/v1\/state\/([^/]+)$/, ({ params, query }) => {
    const found = stateAt(params[0], query.get("event_id"));
    if (isReply(found)) return found;
    return { status: 200, body: { pdus: pdus(found.state), auth_chain: pdus(found.room.authChain(found.state.map((s) => s.eventId))) } };
  });
  route("POST", /^\/_matrix\/federation\/v1\/get_missing_events\/([^/]+)$/, ({ params, body }) => {
    const room = roomOf(params[0]);
    if (isReply(room)) return room;
    const request = isJsonObject(body) ? body : {};
    const ids = (value: JsonValue | undefined): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);
    // Defaults from the server-server API: limit 10, min_depth 0.
    const limit = typeof request["limit"] === "number" ? Math.min(request["limit"], 100) : 10;
    const minDepth = typeof request["min_depth"] === "number" ? request["min_depth"] : 0;
    return { status: 200, body: { events: pdus(room.missingEvents(ids(request["earliest_events"]), ids(request["latest_events"]), limit, minDepth)) } };
  });
  route("GET", /^\/_matrix\/federation\/v1\/backfill\/([^/]+)$/, ({ params, query }) => {
    const room = roomOf(params[0]);
    if (isReply(room)) return room;
    const limit = Math.min(Number(query.get("limit") ?? "10") || 10, 100);
    return { status: 200, body: { origin: peer.serverName, origin_server_ts: Date.now(), pdus: pdus(room.backfill(query.getAll("v"), limit)) } };
  });
  route("GET", /^\/_matrix\/federation\/v1\/event_auth\/([^/]+)\/([^/]+)$/, ({ params }) => {
    const room = peer.rooms.get(params[0] ?? "");
    if (!room?.event(params[1] ?? "")) return matrixError(404, "M_NOT_FOUND", "unknown room or event");
    return { status: 200, body: { auth_chain: pdus(room.authChain([params[1] ?? ""])) } };
  });
  return routes;
}

/** The body of a send_join answer, from the state before the join and the join as appended. */
export type SendJoinAnswer = (room: PeerRoom, stateBefore: StoredEvent[], join: StoredEvent) => JsonObject;

/** The full answer: the whole state before the join and the auth chain of it and of the join. */
function fullJoinAnswer(peer: Pick<ResidentServer, "serverName">): SendJoinAnswer {
  return (room, stateBefore, stored) => {
    const chain = room.authChain([stored.eventId, ...stateBefore.map((s) => s.eventId)]);
    return { origin: peer.serverName, event: stored.pdu, state: pdus(stateBefore), auth_chain: pdus(chain), members_omitted: false };
  };
}

/** Accepts a signed join into a room the peer hosts, answering with the state and auth chain before it (or what `answer` makes of them). */
export async function sendJoin(peer: Pick<ResidentServer, "serverName" | "verifyPdu">, room: PeerRoom | Reply, pdu: Pdu, answer: SendJoinAnswer = fullJoinAnswer(peer)): Promise<Reply> {
  if ("status" in room) return room;
  const problem = await peer.verifyPdu(pdu, room.version);
  if (problem) return matrixError(403, "M_FORBIDDEN", `join event signature: ${problem}`);
  const stateBefore = room.currentState();
  let stored: StoredEvent;
  try {
    stored = room.append(pdu);
  } catch (error) {
    return matrixError(403, "M_FORBIDDEN", (error as Error).message);
  }
  return { status: 200, body: answer(room, stateBefore, stored) };
}

/** Checks and appends each PDU of a transaction, answering with a result per PDU (server-server-api/#put_matrixfederationv1sendtxnid). */
async function receiveTransaction(peer: ResidentServer, origin: string, body: unknown): Promise<Reply> {
  const transaction = isJsonObject(body) ? body : {};
  const received = Array.isArray(transaction["pdus"]) ? transaction["pdus"].filter(isJsonObject) : [];
  const results: JsonObject = {};
  let unknown = 0;
  for (const pdu of received as Pdu[]) {
    const roomId = String(pdu["room_id"] ?? "");
    const room = peer.rooms.get(roomId);
    let eventId = "";
    let rejected: string | undefined;
    if (!room) rejected = `unknown room ${roomId}`;
    else {
      eventId = computeEventId(pdu, room.version);
      rejected = await peer.verifyPdu(pdu, room.version);
      if (!rejected) {
        try {
          room.append(pdu);
        } catch (error) {
          rejected = (error as Error).message;
        }
      }
    }
    peer.receive({ origin, roomId, eventId, pdu, ...(rejected ? { rejected } : {}) });
    results[eventId || `unknown-${++unknown}`] = rejected ? { error: rejected } : {};
  }
  return { status: 200, body: { pdus: results } };
}
