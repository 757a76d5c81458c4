import { randomBytes } from "node:crypto";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { eventWithId, timelineHas } from "../../src/client/sync.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import type { FederationPeer, InboundRequest } from "../../src/federation/peer.ts";
import type { PeerRoom, StoredEvent } from "../../src/federation/room.ts";
import { computeEventId, signEvent, type Pdu } from "../../src/protocol/index.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

/** Messages the peer adds to its own room without sending them anywhere: history the homeserver must fetch. */
function unsentMessages(peer: FederationPeer, room: PeerRoom, count: number, label: string): StoredEvent[] {
  const sender = peer.userId("creator");
  return Array.from({ length: count }, (_, i) => room.append(peer.sign(room.prototype({ type: "m.room.message", sender, content: { msgtype: "m.text", body: `${label} ${i + 1}` } }), room.version)));
}

/** A request of the homeserver to one of the peer's room endpoints (paths arrive percent-encoded). */
const asked = (endpoint: string, roomId: string) => (request: InboundRequest) => decodeURIComponent(request.path) === `/_matrix/federation/v1/${endpoint}/${roomId}`;

function message(room: PeerRoom, peer: FederationPeer, body: string) {
  return room.prototype({ type: "m.room.message", sender: peer.userId("creator"), content: { msgtype: "m.text", body } });
}

describe("history the homeserver fetches from a resident server", () => {
  test(
    "a PDU with unknown prev_events makes the homeserver fetch them with get_missing_events, and its client can read them",
    covers([fed.sendTransaction, endpoints.getEvent], "server-server-api/#backfilling-and-retrieving-missing-events"),
    async ({ alice, peer }) => {
      const room = peer.createRoom({ version: "11" });
      await alice.mustJoinVia(room.roomId, peer.serverName);
      const gap = unsentMessages(peer, room, 3, "missed");
      const latest = await peer.sendEvent(room, { type: "m.room.message", sender: peer.userId("creator"), content: { msgtype: "m.text", body: "after the gap" } });
      const request = await peer.waitForRequest(asked("get_missing_events", room.roomId));
      // "latest_events: The latest event IDs that the sender already has", here the event whose ancestors it misses.
      expect((request.body as { latest_events?: string[] }).latest_events).toContain(latest);
      await alice.syncUntil(timelineHas(room.roomId, eventWithId(latest)));
      for (const missed of gap) alice.must(await alice.call(endpoints.getEvent, { path: { roomId: room.roomId, eventId: missed.eventId } }));
    },
  );

  test(
    "a gap longer than the homeserver fills with get_missing_events makes it ask the resident server for the state there (/state_ids or /state)",
    covers([fed.sendTransaction], "server-server-api/#backfilling-and-retrieving-missing-events"),
    async ({ alice, peer }) => {
      const room = peer.createRoom({ version: "11" });
      await alice.mustJoinVia(room.roomId, peer.serverName);
      // More than get_missing_events' default limit of 10, so the walk cannot reach known events.
      unsentMessages(peer, room, 30, "far back");
      const latest = await peer.sendEvent(room, { type: "m.room.message", sender: peer.userId("creator"), content: { msgtype: "m.text", body: "after a long gap" } });
      await peer.waitForRequest((r) => asked("state_ids", room.roomId)(r) || asked("state", room.roomId)(r));
      await alice.syncUntil(timelineHas(room.roomId, eventWithId(latest)));
    },
  );

  test(
    "an event fetched with get_missing_events whose signature does not verify is not accepted: 404 M_NOT_FOUND to a member",
    covers([fed.sendTransaction, endpoints.getEvent], "server-server-api/#checks-performed-on-receipt-of-a-pdu"),
    async ({ alice, peer }) => {
      const room = peer.createRoom({ version: "11" });
      await alice.mustJoinVia(room.roomId, peer.serverName);
      const base = [...room.extremities];
      // Signed under the peer's key ID with another private key: the signature cannot verify.
      const forged = room.append(signEvent(message(room, peer, "forged"), room.version, peer.serverName, peer.keyId, randomBytes(32)) as Pdu);
      await peer.sendEvent(room, { type: "m.room.message", sender: peer.userId("creator"), content: { msgtype: "m.text", body: "child of the forged event" } });
      await peer.waitForRequest(asked("get_missing_events", room.roomId));
      // A marker on the known part of the DAG: once members see it, the homeserver has handled what came before.
      room.extremities = base;
      const marker = await peer.sendEvent(room, { type: "m.room.message", sender: peer.userId("creator"), content: { msgtype: "m.text", body: "marker" } });
      await alice.syncUntil(timelineHas(room.roomId, eventWithId(marker)));
      // "Events that fail signature checks are dropped" (server-server-api/#checks-performed-on-receipt-of-a-pdu).
      expectMatrixError(await alice.call(endpoints.getEvent, { path: { roomId: room.roomId, eventId: forged.eventId } }), 404, "M_NOT_FOUND");
    },
  );

  test(
    "a member paginating a remote room's history makes the homeserver backfill it from the resident server",
    covers([endpoints.messages], "server-server-api/#backfilling-and-retrieving-missing-events"),
    async ({ alice, peer }) => {
      const room = peer.createRoom({ version: "11" });
      const earlier = unsentMessages(peer, room, 5, "before alice");
      await alice.mustJoinVia(room.roomId, peer.serverName);
      let from: string | undefined;
      const seen = new Set<string>();
      // Pages back from the join until the earliest message shows, bounded in pages.
      for (let page = 0; page < 10 && !seen.has(earlier[0]!.eventId); page++) {
        const body = alice.must(await alice.call(endpoints.messages, { path: { roomId: room.roomId }, query: { dir: "b", limit: 10, ...(from ? { from } : {}) } }));
        for (const event of body.chunk) seen.add(event.event_id);
        if (!body.end) break;
        from = body.end;
      }
      expect(peer.requests.some(asked("backfill", room.roomId)), "a GET /backfill from the homeserver").toBe(true);
      expect(earlier.filter((e) => !seen.has(e.eventId)).map((e) => e.eventId)).toEqual([]);
    },
  );
});

describe("history the homeserver serves", () => {
  test(
    "get_missing_events returns the events between earliest_events and latest_events, excluding both",
    covers([fed.missingEvents], "server-server-api/#post_matrixfederationv1get_missing_eventsroomid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      const room = await peer.joinRemoteRoom(hs.serverName, roomId, "visitor");
      const first = await alice.mustSendMessage(roomId, "first");
      const second = await alice.mustSendMessage(roomId, "second");
      const third = await alice.mustSendMessage(roomId, "third");
      await peer.waitForPdu((p) => p.eventId === third);
      const remote = peer.to(hs);
      const body = remote.must(await remote.missingEvents(roomId, { earliest_events: [first], latest_events: [third], limit: 10 }));
      expect(body.events.map((e) => computeEventId(e, room.version))).toEqual([second]);
    },
  );
});
