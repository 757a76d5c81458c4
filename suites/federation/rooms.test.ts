import type { MatrixClient } from "../../src/client/client.ts";
import { eventWithId, stateHas } from "../../src/client/sync.ts";
import type { FederationPeer } from "../../src/federation/peer.ts";
import type { PeerRoom } from "../../src/federation/room.ts";
import {
  eventAuthResponse,
  mustBeError,
  mustMatch,
  pduTransaction,
  stateIdsResponse,
  stateResponse,
  timestampToEventResponse,
} from "../../src/federation/schemas.ts";
import { computeEventId, referencedEventIds, type Pdu } from "../../src/protocol/index.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

const EVENT = "GET /_matrix/federation/v1/event/{eventId}";
const STATE = "GET /_matrix/federation/v1/state/{roomId}";
const STATE_IDS = "GET /_matrix/federation/v1/state_ids/{roomId}";
const EVENT_AUTH = "GET /_matrix/federation/v1/event_auth/{roomId}/{eventId}";
const BACKFILL = "GET /_matrix/federation/v1/backfill/{roomId}";
const MISSING = "POST /_matrix/federation/v1/get_missing_events/{roomId}";
const TIMESTAMP = "GET /_matrix/federation/v1/timestamp_to_event/{roomId}";
const FED = "/_matrix/federation/v1";

/** A public room of alice's that the peer has joined, and the peer's copy of it. */
async function sharedRoom(alice: MatrixClient, hsName: string, peer: FederationPeer): Promise<{ roomId: string; room: PeerRoom }> {
  const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
  const room = await peer.joinRemoteRoom(hsName, roomId, "visitor");
  return { roomId, room };
}

/** Checks every PDU's signatures and content hash against its origin's published keys. */
async function expectAllSigned(peer: FederationPeer, room: PeerRoom, pdus: Pdu[]): Promise<void> {
  for (const pdu of pdus) expect(await peer.verifyPdu(pdu, room.version), `${pdu.type} ${computeEventId(pdu, room.version)}`).toBeUndefined();
}

const q = encodeURIComponent;

describe("room history for a server in the room", () => {
  test(
    "/event returns the event in a transaction, signed by its origin, with the ID its content hashes to",
    covers([EVENT], "server-server-api/#get_matrixfederationv1eventeventid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const eventId = await alice.mustSendMessage(room.roomId, "fetched by ID");
      const response = await peer.client.request(hs.serverName, "GET", `${FED}/event/${q(eventId)}`);
      expect(response.status, response.text).toBe(200);
      const body = mustMatch(pduTransaction, response.json, "GET /event");
      expect(body.origin).toBe(hs.serverName);
      expect(body.pdus).toHaveLength(1);
      const pdu = body.pdus[0] as unknown as Pdu;
      expect(computeEventId(pdu, room.version)).toBe(eventId);
      expect(pdu.content).toMatchObject({ msgtype: "m.text", body: "fetched by ID" });
      await expectAllSigned(peer, room, [pdu]);
    },
  );

  test(
    "/state and /state_ids at an event agree on the room's state before it and its auth chain, every event signed",
    covers([STATE, STATE_IDS], "server-server-api/#get_matrixfederationv1stateroomid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const topicId = await alice.mustSendState(room.roomId, "m.room.topic", "", { topic: "before the message" });
      const eventId = await alice.mustSendMessage(room.roomId, "state is taken before me");
      const full = await peer.client.request(hs.serverName, "GET", `${FED}/state/${q(room.roomId)}?event_id=${q(eventId)}`);
      expect(full.status, full.text).toBe(200);
      const state = mustMatch(stateResponse, full.json, "GET /state");
      const ids = await peer.client.request(hs.serverName, "GET", `${FED}/state_ids/${q(room.roomId)}?event_id=${q(eventId)}`);
      expect(ids.status, ids.text).toBe(200);
      const stateIds = mustMatch(stateIdsResponse, ids.json, "GET /state_ids");
      const statePdus = state.pdus as unknown as Pdu[];
      const chainPdus = state.auth_chain as unknown as Pdu[];
      const idsOf = (pdus: Pdu[]) => pdus.map((p) => computeEventId(p, room.version)).sort();
      expect(idsOf(statePdus)).toEqual([...stateIds.pdu_ids].sort());
      expect(idsOf(chainPdus)).toEqual([...stateIds.auth_chain_ids].sort());
      // The state before the message holds the topic set just before it, the members, and the create event.
      expect(stateIds.pdu_ids).toContain(topicId);
      const types = statePdus.map((p) => `${p.type}|${String(p["state_key"])}`);
      expect(types).toEqual(expect.arrayContaining(["m.room.create|", `m.room.member|${alice.userId}`, `m.room.member|${peer.userId("visitor")}`, "m.room.power_levels|"]));
      // The auth chain closes over the state's auth events.
      const chain = new Set(stateIds.auth_chain_ids);
      for (const pdu of statePdus) for (const authId of referencedEventIds(pdu["auth_events"] as string[])) expect(chain.has(authId), `auth event ${authId} of ${pdu.type}`).toBe(true);
      await expectAllSigned(peer, room, [...statePdus, ...chainPdus]);
    },
  );

  test(
    "state_ids at an event the homeserver does not know is 404 M_NOT_FOUND",
    covers([STATE_IDS], "server-server-api/#get_matrixfederationv1state_idsroomid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      mustBeError(await peer.client.request(hs.serverName, "GET", `${FED}/state_ids/${q(room.roomId)}?event_id=${q("$unknownEventGauntlet0000000000000000000000")}`), 404, "M_NOT_FOUND");
    },
  );

  test(
    "state_ids for a room the requesting server is not in is 403 M_FORBIDDEN",
    covers([STATE_IDS], "server-server-api/#get_matrixfederationv1state_idsroomid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      const eventId = await alice.mustSendMessage(roomId, "not for outsiders");
      mustBeError(await peer.client.request(hs.serverName, "GET", `${FED}/state_ids/${q(roomId)}?event_id=${q(eventId)}`), 403, "M_FORBIDDEN");
    },
  );

  test(
    "event_auth returns the full auth chain of an event, every event signed",
    covers([EVENT_AUTH], "server-server-api/#get_matrixfederationv1event_authroomideventid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const eventId = await alice.mustSendMessage(room.roomId, "whose authority?");
      const response = await peer.client.request(hs.serverName, "GET", `${FED}/event_auth/${q(room.roomId)}/${q(eventId)}`);
      expect(response.status, response.text).toBe(200);
      const chain = mustMatch(eventAuthResponse, response.json, "GET /event_auth").auth_chain as unknown as Pdu[];
      const ids = new Set(chain.map((p) => computeEventId(p, room.version)));
      const message = (await peer.client.request(hs.serverName, "GET", `${FED}/event/${q(eventId)}`)).json as { pdus: Pdu[] };
      // The message's auth events and, recursively, theirs.
      for (const authId of referencedEventIds(message.pdus[0]?.["auth_events"] as string[])) expect(ids.has(authId), `auth event ${authId}`).toBe(true);
      for (const pdu of chain) for (const authId of referencedEventIds(pdu["auth_events"] as string[])) expect(ids.has(authId), `auth event ${authId} of ${pdu.type}`).toBe(true);
      expect(chain.map((p) => p.type)).toContain("m.room.create");
      expect(ids.has(eventId)).toBe(false);
      await expectAllSigned(peer, room, chain);
    },
  );

  test(
    "backfill returns the given event and its ancestors, at most limit of them, every event signed",
    covers([BACKFILL], "server-server-api/#get_matrixfederationv1backfillroomid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const first = await alice.mustSendMessage(room.roomId, "backfill 1");
      const second = await alice.mustSendMessage(room.roomId, "backfill 2");
      const third = await alice.mustSendMessage(room.roomId, "backfill 3");
      const response = await peer.client.request(hs.serverName, "GET", `${FED}/backfill/${q(room.roomId)}?v=${q(third)}&limit=3`);
      expect(response.status, response.text).toBe(200);
      const body = mustMatch(pduTransaction, response.json, "GET /backfill");
      expect(body.origin).toBe(hs.serverName);
      const pdus = body.pdus as unknown as Pdu[];
      const ids = pdus.map((p) => computeEventId(p, room.version));
      expect(ids.length).toBeLessThanOrEqual(3);
      // The given event and the history before it: with limit 3, the three messages.
      expect(ids.sort()).toEqual([first, second, third].sort());
      await expectAllSigned(peer, room, pdus);
    },
  );

  test(
    "timestamp_to_event finds the closest event before a time, and after it",
    covers([TIMESTAMP], "server-server-api/#get_matrixfederationv1timestamp_to_eventroomid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const before = await alice.mustSendMessage(room.roomId, "before the mark");
      const beforePdu = ((await peer.client.request(hs.serverName, "GET", `${FED}/event/${q(before)}`)).json as { pdus: Pdu[] }).pdus[0]!;
      const mark = Number(beforePdu.origin_server_ts) + 1;
      const after = await alice.mustSendMessage(room.roomId, "after the mark");
      const back = await peer.client.request(hs.serverName, "GET", `${FED}/timestamp_to_event/${q(room.roomId)}?ts=${mark}&dir=b`);
      expect(back.status, back.text).toBe(200);
      const found = mustMatch(timestampToEventResponse, back.json, "GET /timestamp_to_event?dir=b");
      expect(found.event_id).toBe(before);
      expect(found.origin_server_ts).toBe(beforePdu.origin_server_ts);
      const forward = await peer.client.request(hs.serverName, "GET", `${FED}/timestamp_to_event/${q(room.roomId)}?ts=${mark}&dir=f`);
      expect(forward.status, forward.text).toBe(200);
      const next = mustMatch(timestampToEventResponse, forward.json, "GET /timestamp_to_event?dir=f");
      expect(next.origin_server_ts).toBeGreaterThanOrEqual(mark);
      expect(next.event_id).toBe(after);
    },
  );

  test(
    "timestamp_to_event with no event in the direction asked is 404 M_NOT_FOUND",
    covers([TIMESTAMP], "server-server-api/#get_matrixfederationv1timestamp_to_eventroomid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const future = Date.now() + 24 * 3600_000;
      mustBeError(await peer.client.request(hs.serverName, "GET", `${FED}/timestamp_to_event/${q(room.roomId)}?ts=${future}&dir=f`), 404, "M_NOT_FOUND");
    },
  );
});

describe("server ACLs", () => {
  test(
    "a server the room's ACL denies is refused state, state_ids, event_auth, backfill and get_missing_events with 403 M_FORBIDDEN",
    covers([STATE, STATE_IDS, EVENT_AUTH, BACKFILL, MISSING], "server-server-api/#server-access-control-lists-acls"),
    async ({ alice, hs, peer }) => {
      // ACLs match hosts without ports, and the peer and the homeserver are both `localhost`: a local
      // user may not deny their own server, so the peer's member, given the power to, sets the ACL.
      const visitor = peer.userId("visitor");
      const roomId = await alice.mustCreateRoom({ preset: "public_chat", power_level_content_override: { users: { [alice.userId!]: 100, [visitor]: 100 } } });
      const room = await peer.joinRemoteRoom(hs.serverName, roomId, "visitor");
      const eventId = await alice.mustSendMessage(roomId, "before the ACL");
      // The ACL event follows the message in the peer's copy of the room.
      expect((await peer.waitForPdu((p) => p.eventId === eventId)).rejected).toBeUndefined();
      const aclId = await peer.sendEvent(room, { type: "m.room.server_acl", stateKey: "", sender: visitor, content: { allow: ["*"], deny: ["localhost"], allow_ip_literals: true } });
      await alice.syncUntil(stateHas(roomId, eventWithId(aclId)));
      const requests: [string, string, string, Record<string, unknown>?][] = [
        ["state", "GET", `${FED}/state/${q(roomId)}?event_id=${q(eventId)}`],
        ["state_ids", "GET", `${FED}/state_ids/${q(roomId)}?event_id=${q(eventId)}`],
        ["event_auth", "GET", `${FED}/event_auth/${q(roomId)}/${q(eventId)}`],
        ["backfill", "GET", `${FED}/backfill/${q(roomId)}?v=${q(eventId)}&limit=5`],
        ["get_missing_events", "POST", `${FED}/get_missing_events/${q(roomId)}`, { earliest_events: [], latest_events: [aclId], limit: 5 }],
      ];
      // Every endpoint is asked, and every refusal that is missing is named (not only the first).
      const missing: string[] = [];
      for (const [name, method, path, body] of requests) {
        const response = await peer.client.request(hs.serverName, method, path, body as never);
        try {
          mustBeError(response, 403, "M_FORBIDDEN");
        } catch (error) {
          missing.push(`${name}: ${(error as Error).message}`);
        }
      }
      expect(missing).toEqual([]);
    },
  );
});
