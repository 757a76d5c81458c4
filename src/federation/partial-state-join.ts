import type { JsonValue, Pdu } from "../protocol/index.ts";
import type { FederationPeer } from "./peer.ts";
import { sendJoin, type SendJoinAnswer } from "./peer-routes.ts";
import { matrixError, type Reply, type RouteRequest } from "./peer-server.ts";
import type { PeerRoom, StoredEvent } from "./room.ts";

/** The joins the peer answered, and whether it omitted members from each answer. */
export interface PartialStateJoins {
  /** Event IDs of joins answered with `members_omitted: true`. */
  readonly omitted: string[];
  /** Event IDs of joins answered with the full state (the joining server did not ask to omit members). */
  readonly full: string[];
}

const pdus = (events: StoredEvent[]): JsonValue[] => events.map((e) => e.pdu);

const SEND_JOIN = /^\/_matrix\/federation\/v2\/send_join\/([^/]+)\/([^/]+)$/;

/**
 * The state a partial-state answer keeps: every event but memberships, except the memberships of
 * the room's heroes when the room has neither name nor canonical alias (server-server API, send_join
 * v2 `omit_members`, v1.6).
 */
function reducedState(room: PeerRoom, state: StoredEvent[], joiner: string): StoredEvent[] {
  const named = room.stateEvent("m.room.name") !== undefined || room.stateEvent("m.room.canonical_alias") !== undefined;
  const members = state.filter((e) => e.pdu.type === "m.room.member" && e.pdu["state_key"] !== joiner);
  // Heroes: up to five other members, as the client-server room summary picks them.
  const heroes = named ? new Set<string>() : new Set(members.map((e) => String(e.pdu["state_key"])).sort().slice(0, 5));
  return state.filter((e) => e.pdu.type !== "m.room.member" || heroes.has(String(e.pdu["state_key"])));
}

/**
 * Makes the peer answer send_join as a resident server that honours `omit_members=true`: the state
 * without memberships, the auth chain without events already in the state, `members_omitted` and
 * `servers_in_room`. The homeserver then holds the room with partial state until it resyncs it
 * through /state_ids and /state, which the peer answers as usual.
 */
export function answerPartialStateJoins(peer: FederationPeer): PartialStateJoins {
  const record: PartialStateJoins = { omitted: [], full: [] };
  peer.handle("PUT", SEND_JOIN, (request: RouteRequest): Promise<Reply> => {
    const [roomId = "", eventId = ""] = request.params;
    const room = peer.rooms.get(roomId) ?? matrixError(404, "M_NOT_FOUND", `the peer hosts no room ${roomId}`);
    const omit = request.query.get("omit_members") === "true";
    const answer: SendJoinAnswer = (hosted, stateBefore, join) => {
      (omit ? record.omitted : record.full).push(eventId);
      const state = omit ? reducedState(hosted, stateBefore, String(join.pdu["state_key"])) : stateBefore;
      const inState = new Set(state.map((e) => e.eventId));
      // "any events that are returned in state may be omitted from auth_chain"
      const chain = hosted.authChain([join.eventId, ...state.map((e) => e.eventId)]).filter((e) => !omit || !inState.has(e.eventId));
      const servers = [...new Set([peer.serverName, ...hosted.joinedServers()])];
      return { origin: peer.serverName, event: join.pdu, state: pdus(state), auth_chain: pdus(chain), members_omitted: omit, ...(omit ? { servers_in_room: servers } : {}) };
    };
    return sendJoin(peer, room, request.body as Pdu, answer);
  });
  return record;
}
