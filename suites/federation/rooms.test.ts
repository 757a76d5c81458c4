import type { MatrixClient } from "../../src/client/client.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { eventWithId, stateHas } from "../../src/client/sync.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import type { FederationPeer } from "../../src/federation/peer.ts";
import type { PeerRoom } from "../../src/federation/room.ts";
import { computeEventId, referencedEventIds, type Pdu } from "../../src/protocol/index.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

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

describe("room history for a server in the room", () => {
  test(
    "/event returns the event in a transaction, signed by its origin, with the ID its content hashes to",
    covers([fed.getEvent], "server-server-api/#get_matrixfederationv1eventeventid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const eventId = await alice.mustSendMessage(room.roomId, "fetched by ID");
      const remote = peer.to(hs);
      const body = remote.must(await remote.getEvent(eventId));
      expect(body.origin).toBe(hs.serverName);
      expect(body.pdus).toHaveLength(1);
      const pdu = body.pdus[0]!;
      expect(computeEventId(pdu, room.version)).toBe(eventId);
      expect(pdu.content).toMatchObject({ msgtype: "m.text", body: "fetched by ID" });
      await expectAllSigned(peer, room, [pdu]);
    },
  );

  test(
    "/state and /state_ids at an event agree on the room's state before it and its auth chain, every event signed",
    covers([fed.state, fed.stateIds], "server-server-api/#get_matrixfederationv1stateroomid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const topicId = await alice.mustSendState(room.roomId, "m.room.topic", "", { topic: "before the message" });
      const eventId = await alice.mustSendMessage(room.roomId, "state is taken before me");
      const remote = peer.to(hs);
      const state = remote.must(await remote.state(room.roomId, eventId));
      const stateIds = remote.must(await remote.stateIds(room.roomId, eventId));
      const idsOf = (pdus: Pdu[]) => pdus.map((p) => computeEventId(p, room.version)).sort();
      expect(idsOf(state.pdus)).toEqual([...stateIds.pdu_ids].sort());
      expect(idsOf(state.auth_chain)).toEqual([...stateIds.auth_chain_ids].sort());
      // The state before the message holds the topic set just before it, the members, and the create event.
      expect(stateIds.pdu_ids).toContain(topicId);
      const types = state.pdus.map((p) => `${p.type}|${String(p["state_key"])}`);
      expect(types).toEqual(expect.arrayContaining(["m.room.create|", `m.room.member|${alice.userId}`, `m.room.member|${peer.userId("visitor")}`, "m.room.power_levels|"]));
      // The auth chain closes over the state's auth events.
      const chain = new Set(stateIds.auth_chain_ids);
      for (const pdu of state.pdus) for (const authId of referencedEventIds(pdu["auth_events"] as string[])) expect(chain.has(authId), `auth event ${authId} of ${pdu.type}`).toBe(true);
      await expectAllSigned(peer, room, [...state.pdus, ...state.auth_chain]);
    },
  );

  test(
    "state_ids at an event the homeserver does not know is 404 M_NOT_FOUND",
    covers([fed.stateIds], "server-server-api/#get_matrixfederationv1state_idsroomid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      expectMatrixError(await peer.to(hs).stateIds(room.roomId, "$unknownEventGauntlet0000000000000000000000"), 404, "M_NOT_FOUND");
    },
  );

  test(
    "state_ids for a room the requesting server is not in is 403 M_FORBIDDEN",
    covers([fed.stateIds], "server-server-api/#get_matrixfederationv1state_idsroomid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      const eventId = await alice.mustSendMessage(roomId, "not for outsiders");
      expectMatrixError(await peer.to(hs).stateIds(roomId, eventId), 403, "M_FORBIDDEN");
    },
  );

  test(
    "event_auth returns the full auth chain of an event, every event signed",
    covers([fed.eventAuth], "server-server-api/#get_matrixfederationv1event_authroomideventid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const eventId = await alice.mustSendMessage(room.roomId, "whose authority?");
      const remote = peer.to(hs);
      const chain = remote.must(await remote.eventAuth(room.roomId, eventId)).auth_chain;
      const ids = new Set(chain.map((p) => computeEventId(p, room.version)));
      const message = remote.must(await remote.getEvent(eventId)).pdus[0];
      // The message's auth events and, recursively, theirs.
      for (const authId of referencedEventIds(message?.["auth_events"] as string[])) expect(ids.has(authId), `auth event ${authId}`).toBe(true);
      for (const pdu of chain) for (const authId of referencedEventIds(pdu["auth_events"] as string[])) expect(ids.has(authId), `auth event ${authId} of ${pdu.type}`).toBe(true);
      expect(chain.map((p) => p.type)).toContain("m.room.create");
      expect(ids.has(eventId)).toBe(false);
      await expectAllSigned(peer, room, chain);
    },
  );

  test(
    "backfill returns the given event and its ancestors, at most limit of them, every event signed",
    covers([fed.backfill], "server-server-api/#get_matrixfederationv1backfillroomid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const first = await alice.mustSendMessage(room.roomId, "backfill 1");
      const second = await alice.mustSendMessage(room.roomId, "backfill 2");
      const third = await alice.mustSendMessage(room.roomId, "backfill 3");
      const remote = peer.to(hs);
      const body = remote.must(await remote.backfill(room.roomId, [third], 3));
      expect(body.origin).toBe(hs.serverName);
      const ids = body.pdus.map((p) => computeEventId(p, room.version));
      expect(ids.length).toBeLessThanOrEqual(3);
      // The given event and the history before it: with limit 3, the three messages.
      expect(ids.sort()).toEqual([first, second, third].sort());
      await expectAllSigned(peer, room, body.pdus);
    },
  );

  test(
    "timestamp_to_event finds the closest event before a time, and after it",
    covers([fed.timestampToEvent], "server-server-api/#get_matrixfederationv1timestamp_to_eventroomid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const remote = peer.to(hs);
      const before = await alice.mustSendMessage(room.roomId, "before the mark");
      const beforePdu = remote.must(await remote.getEvent(before)).pdus[0]!;
      const mark = beforePdu.origin_server_ts + 1;
      const after = await alice.mustSendMessage(room.roomId, "after the mark");
      const found = remote.must(await remote.timestampToEvent(room.roomId, mark, "b"));
      expect(found.event_id).toBe(before);
      expect(found.origin_server_ts).toBe(beforePdu.origin_server_ts);
      const next = remote.must(await remote.timestampToEvent(room.roomId, mark, "f"));
      expect(next.origin_server_ts).toBeGreaterThanOrEqual(mark);
      expect(next.event_id).toBe(after);
    },
  );

  test(
    "timestamp_to_event with no event in the direction asked is 404 M_NOT_FOUND",
    covers([fed.timestampToEvent], "server-server-api/#get_matrixfederationv1timestamp_to_eventroomid"),
    async ({ alice, hs, peer }) => {
      const { room } = await sharedRoom(alice, hs.serverName, peer);
      const future = Date.now() + 24 * 3600_000;
      expectMatrixError(await peer.to(hs).timestampToEvent(room.roomId, future, "f"), 404, "M_NOT_FOUND");
    },
  );
});

describe("server ACLs", () => {
  test(
    "a server the room's ACL denies is refused state, state_ids, event_auth, backfill and get_missing_events with 403 M_FORBIDDEN",
    covers([fed.state, fed.stateIds, fed.eventAuth, fed.backfill, fed.missingEvents], "server-server-api/#server-access-control-lists-acls"),
    async ({ alice, hs, peer }) => {
      // ACLs match hosts without ports, and the peer and the homeserver are both `localhost`: a local
      // user may not deny their own server, so the peer's member, given the power to, sets the ACL.
      const visitor = peer.userId("visitor");
      const roomId = await alice.mustCreateRoom({ preset: "public_chat", power_level_content_override: { users: { [alice.userId]: 100, [visitor]: 100 } } });
      const room = await peer.joinRemoteRoom(hs.serverName, roomId, "visitor");
      const eventId = await alice.mustSendMessage(roomId, "before the ACL");
      // The ACL event follows the message in the peer's copy of the room.
      expect((await peer.waitForPdu((p) => p.eventId === eventId)).rejected).toBeUndefined();
      const aclId = await peer.sendEvent(room, { type: "m.room.server_acl", stateKey: "", sender: visitor, content: { allow: ["*"], deny: ["localhost"], allow_ip_literals: true } });
      await alice.syncUntil(stateHas(roomId, eventWithId(aclId)));
      const remote = peer.to(hs);
      const requests = [
        ["state", () => remote.state(roomId, eventId)],
        ["state_ids", () => remote.stateIds(roomId, eventId)],
        ["event_auth", () => remote.eventAuth(roomId, eventId)],
        ["backfill", () => remote.backfill(roomId, [eventId], 5)],
        ["get_missing_events", () => remote.missingEvents(roomId, { earliest_events: [], latest_events: [aclId], limit: 5 })],
      ] as const;
      // Every endpoint is asked, and every refusal that is missing is named (not only the first).
      const missing: string[] = [];
      for (const [name, send] of requests) {
        try {
          expectMatrixError(await send(), 403, "M_FORBIDDEN");
        } catch (error) {
          missing.push(`${name}: ${(error as Error).message}`);
        }
      }
      expect(missing).toEqual([]);
    },
  );
});
