import { randomBytes } from "node:crypto";
import type { MatrixClient } from "../../src/client/client.ts";
import { endpoints } from "../../src/client/endpoints.ts";
import { eventWithId, timelineHas } from "../../src/client/sync.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import type { FederationPeer } from "../../src/federation/peer.ts";
import type { PeerRoom } from "../../src/federation/room.ts";
import { RawNumber, type RawJsonObject } from "../../src/federation/raw-json.ts";
import { computeEventId, signEvent, type Pdu } from "../../src/protocol/index.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

// Checks performed on receipt of a PDU (server-server API): a PDU that fails the format checks
// or whose origin's signature does not verify is dropped; one whose content hash does not match
// is stored redacted. Each test sends the PDU under test, then a good message after it in the
// same transaction: once the good message reaches the client, the PDU under test was handled.

const VERSION = "11";
const messageOf = (sender: string, body: string) => ({ type: "m.room.message", sender, content: { msgtype: "m.text", body } });

/** A room of the peer's, of VERSION unless given, with alice joined. */
async function joinedRoom(alice: MatrixClient, peer: FederationPeer, version = VERSION): Promise<{ room: PeerRoom; creator: string }> {
  const creator = peer.userId("creator");
  const room = peer.createRoom({ version, creator });
  await alice.mustJoinVia(room.roomId, peer.serverName);
  return { room, creator };
}

/** Sends `pdus` then a good message in one transaction, and waits until alice sees the good message. */
async function sendThenGood(alice: MatrixClient, hsName: string, peer: FederationPeer, room: PeerRoom, creator: string, pdus: Pdu[]): Promise<void> {
  const good = room.append(peer.sign(room.prototype(messageOf(creator, "after the PDU under test")), room.version));
  await peer.sendTransaction(hsName, [...pdus, good.pdu]);
  await alice.syncUntil(timelineHas(room.roomId, eventWithId(good.eventId)));
}

/** The PDU is nowhere: not in alice's timeline, and the homeserver does not serve it to other servers. */
async function expectDropped(alice: MatrixClient, hsName: string, peer: FederationPeer, roomId: string, eventId: string): Promise<void> {
  const { chunk } = alice.must(await alice.call(endpoints.messages, { path: { roomId }, query: { dir: "b", limit: 100 } }));
  expect(chunk.map((e) => e.event_id), "the dropped PDU in /messages").not.toContain(eventId);
  const served = await peer.to(hsName).getEvent(eventId);
  expect(served.status, `/event of the dropped PDU: ${served.text.slice(0, 300)}`).toBe(404);
}

describe("checks performed on receipt of a PDU", () => {
  test(
    "a PDU signed with a key its origin does not publish is dropped: not in /messages, /event is 404",
    covers([fed.sendTransaction, fed.getEvent, endpoints.messages], "server-server-api/#checks-performed-on-receipt-of-a-pdu"),
    async ({ alice, hs, peer }) => {
      const { room, creator } = await joinedRoom(alice, peer);
      const forged = signEvent(room.prototype(messageOf(creator, "forged")), room.version, peer.serverName, peer.keyId, randomBytes(32)) as unknown as Pdu;
      await sendThenGood(alice, hs.serverName, peer, room, creator, [forged]);
      await expectDropped(alice, hs.serverName, peer, room.roomId, computeEventId(forged, room.version));
    },
  );

  test(
    "a PDU whose content hash does not match is stored redacted: clients get it without its content",
    covers([fed.sendTransaction, endpoints.getEvent], "server-server-api/#checks-performed-on-receipt-of-a-pdu"),
    async ({ alice, hs, peer }) => {
      const { room, creator } = await joinedRoom(alice, peer);
      const signed = peer.sign(room.prototype(messageOf(creator, "what was hashed")), room.version);
      // The signature covers the redacted event, which has no content: it stays valid, the hash does not.
      const tampered = { ...signed, content: { msgtype: "m.text", body: "what was sent instead" } };
      const eventId = computeEventId(tampered, room.version);
      expect(eventId).toBe(computeEventId(signed, room.version));
      await sendThenGood(alice, hs.serverName, peer, room, creator, [tampered]);
      const event = alice.must(await alice.call(endpoints.getEvent, { path: { roomId: room.roomId, eventId } }));
      expect(event.content).toEqual({});
    },
  );

  test(
    "a PDU over 65536 bytes is dropped: not in /messages, /event is 404",
    covers([fed.sendTransaction, fed.getEvent, endpoints.messages], "server-server-api/#size-limits"),
    async ({ alice, hs, peer }) => {
      const { room, creator } = await joinedRoom(alice, peer);
      const large = peer.sign(room.prototype(messageOf(creator, "x".repeat(66_000))), room.version);
      expect(Buffer.byteLength(JSON.stringify(large))).toBeGreaterThan(65_536);
      await sendThenGood(alice, hs.serverName, peer, room, creator, [large]);
      await expectDropped(alice, hs.serverName, peer, room.roomId, computeEventId(large, room.version));
    },
  );

  test(
    "a PDU with 21 prev_events is refused (not in /messages, /event 404), one with 20 is accepted",
    // The deadline covers the forks' 60 s and the merge's 30 s below.
    { ...covers([fed.sendTransaction, fed.getEvent, endpoints.messages], "server-server-api/#pdus"), timeout: 120_000 },
    async ({ alice, hs, peer }) => {
      const { room, creator } = await joinedRoom(alice, peer);
      // 21 forks from one parent, all known to the homeserver, then merges of 21 and of 20 of them.
      const parent = room.extremities[0]!;
      const auth = room.prototype(messageOf(creator, "")).auth_events as string[];
      const forks = Array.from({ length: 21 }, (_, i) => room.place(peer.sign(room.prototypeAt({ ...messageOf(creator, `fork ${i}`), prevEvents: [parent], authEvents: auth, originServerTs: Date.now() }), room.version)));
      await peer.sendTransaction(hs.serverName, forks.map((f) => f.pdu));
      // Synapse handles a transaction's PDUs one after another, after answering it. In a full
      // run one fork took up to 1.8 s and all 21 took 28.5 s, so the merges go out once the
      // last fork is in alice's timeline, and each wait has its own deadline.
      await alice.syncUntil(timelineHas(room.roomId, eventWithId(forks.at(-1)!.eventId)), { timeoutMs: 60_000 });
      const merge = (ids: string[], body: string) => peer.sign(room.prototypeAt({ ...messageOf(creator, body), prevEvents: ids, authEvents: auth, originServerTs: Date.now() }), room.version);
      const tooMany = merge(forks.map((f) => f.eventId), "21 prev_events");
      const enough = merge(forks.slice(0, 20).map((f) => f.eventId), "20 prev_events");
      const enoughId = computeEventId(enough, room.version);
      await peer.sendTransaction(hs.serverName, [tooMany, enough]);
      await alice.syncUntil(timelineHas(room.roomId, eventWithId(enoughId)), { timeoutMs: 30_000 });
      await expectDropped(alice, hs.serverName, peer, room.roomId, computeEventId(tooMany, room.version));
    },
  );

  test(
    "a PDU with 11 auth_events is refused: not in /messages, /event is 404",
    covers([fed.sendTransaction, fed.getEvent, endpoints.messages], "server-server-api/#pdus"),
    async ({ alice, hs, peer }) => {
      const { room, creator } = await joinedRoom(alice, peer);
      // Eleven distinct state events to cite: no event's auth event selection names that many.
      for (let i = 0; i < 8; i += 1) room.append(peer.sign(room.prototype({ type: "org.gauntlet.filler", stateKey: `${i}`, sender: creator, content: { i } }), room.version));
      const fillers = [...room.state.values()];
      await peer.sendTransaction(hs.serverName, fillers.map((id) => room.event(id)!.pdu).filter((pdu) => pdu.type === "org.gauntlet.filler"));
      const proto = room.prototype(messageOf(creator, "eleven auth events"));
      const cited = fillers.slice(0, 11);
      expect(cited).toHaveLength(11);
      const tooMany = peer.sign({ ...proto, auth_events: room.references(cited) }, room.version);
      await sendThenGood(alice, hs.serverName, peer, room, creator, [tooMany]);
      await expectDropped(alice, hs.serverName, peer, room.roomId, computeEventId(tooMany, room.version));
    },
  );
});

/** The PDU is refused: not in /messages, /state or the room's /sync timeline, and the client's /event does not serve it. */
async function expectRefused(alice: MatrixClient, roomId: string, eventId: string, sent: string): Promise<void> {
  const { chunk } = alice.must(await alice.call(endpoints.messages, { path: { roomId }, query: { dir: "b", limit: 100 } }));
  expect(chunk.map((e) => e.event_id), `the refused PDU in /messages (${sent})`).not.toContain(eventId);
  const state = alice.must(await alice.call(endpoints.getState, { path: { roomId } }));
  expect(state.map((e) => e.event_id), `the refused PDU in /state (${sent})`).not.toContain(eventId);
  const sync = await alice.mustSync({ timeout: 0, filter: { room: { rooms: [roomId], timeline: { limit: 100 } } } });
  const joined = sync.rooms?.join?.[roomId];
  const synced = [...(joined?.timeline?.events ?? []), ...(joined?.state?.events ?? [])].map((e) => e.event_id);
  expect(synced, `the refused PDU in /sync (${sent})`).not.toContain(eventId);
  const served = await alice.call(endpoints.getEvent, { path: { roomId, eventId } });
  expect(served.status, `the client's /event of the refused PDU (${sent}): ${JSON.stringify(served.body).slice(0, 300)}`).not.toBe(200);
}

/**
 * Numbers canonical JSON has no form for (appendices "Canonical JSON"; rooms/v6 "Canonical JSON":
 * from v6 receivers enforce it; rooms/v1–5 must not, so only the depth limit applies there).
 * Each case has a control sent the same way with an allowed number, which must be accepted.
 */
const NON_CANONICAL_CASES: { versions: string[]; what: string; section: string; field: "content" | "depth"; bad: string; good?: string }[] = [
  { versions: ["6", "12"], what: "a float (1.5) in its content", section: "rooms/v6/#canonical-json", field: "content", bad: "1.5", good: "2" },
  { versions: ["6", "12"], what: "an integer 2^53 (outside ±(2^53−1)) in its content", section: "rooms/v6/#canonical-json", field: "content", bad: "9007199254740992", good: "9007199254740991" },
  { versions: ["5", "12"], what: "depth 2^63 (above 2^63−1)", section: "server-server-api/#pdus", field: "depth", bad: "9223372036854775808" },
  { versions: ["12"], what: "depth 2^53 (above the v6+ limit 2^53−1)", section: "server-server-api/#pdus", field: "depth", bad: "9007199254740992" },
];

/** The event with the case's number put in place: in content, or as its depth (the control keeps its own depth). */
function withNumber(event: RawJsonObject, field: "content" | "depth", text: string | undefined): RawJsonObject {
  if (field === "depth") return text === undefined ? event : { ...event, depth: new RawNumber(text) };
  return { ...event, content: { ...(event["content"] as RawJsonObject), "org.gauntlet.number": new RawNumber(text!) } };
}

describe("PDUs whose numbers break canonical JSON", () => {
  for (const { versions, what, section, field, bad, good } of NON_CANONICAL_CASES) {
    for (const version of versions) {
      test(
        `v${version}: a PDU with ${what} is refused (not in /messages, /state, /sync; the client's /event is not 200), its control sent the same way is accepted`,
        covers([fed.sendTransaction, endpoints.messages, endpoints.getState, endpoints.sync, endpoints.getEvent], section),
        async ({ alice, hs, peer }) => {
          const { room, creator } = await joinedRoom(alice, peer, version);
          const refused = peer.signRaw(withNumber(room.prototype(messageOf(creator, `carries ${what}`)), field, bad), room.version);
          const control = peer.signRaw(withNumber(room.prototype(messageOf(creator, "the control")), field, good), room.version);
          const answer = await peer.sendRawTransaction(hs.serverName, [refused.pdu]);
          const sent = `/send answered ${answer.status}: ${answer.text.slice(0, 300)}`;
          const controlAnswer = await peer.sendRawTransaction(hs.serverName, [control.pdu]);
          expect(controlAnswer.status, `/send of the control: ${controlAnswer.text.slice(0, 300)}`).toBe(200);
          await alice.syncUntil(timelineHas(room.roomId, eventWithId(control.eventId)));
          await expectRefused(alice, room.roomId, refused.eventId, sent);
        },
      );
    }
  }
});
