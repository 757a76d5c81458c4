import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectMatrixError } from "../../../src/client/matchers.ts";
import { createCertificateAuthority } from "../../../src/env/tls.ts";
import { FederationPeer } from "../../../src/federation/peer.ts";
import type { PeerRoom, StoredEvent } from "../../../src/federation/room.ts";
import { signEvent, signingKeyFromSeed, type Pdu } from "../../../src/protocol/index.ts";

// Two peers on loopback: `host` holds a forked room, `asker` requests it the way a homeserver
// does when it meets unknown prev_events (server-server API, "Retrieving events").
describe("federation peer routes for replayed DAGs", () => {
  let host: FederationPeer;
  let asker: FederationPeer;
  let room: PeerRoom;
  let forkA: StoredEvent;
  let forkB: StoredEvent;
  let hidden: StoredEvent;
  let merge: StoredEvent;
  const peers = new Map<string, string>();

  beforeAll(async () => {
    const ca = await createCertificateAuthority("peer DAG test CA");
    const directory = (name: string) => peers.get(name);
    host = await new FederationPeer({ ca, directory }).start();
    asker = await new FederationPeer({ ca, directory }).start();
    for (const peer of [host, asker]) peers.set(peer.serverName, `https://127.0.0.1:${peer.serverName.split(":")[1]}`);
    room = host.createRoom({ version: "11" });
    // A joined member of the asking server, so the room is shared with it.
    const visitor = asker.userId("visitor");
    const visitorKey = signingKeyFromSeed(randomBytes(32));
    room.append(signEvent(room.prototype({ type: "m.room.member", sender: visitor, stateKey: visitor, content: { membership: "join" } }), room.version, asker.serverName, "ed25519:v", visitorKey) as unknown as Pdu);
    const creator = host.userId("creator");
    const base = room.extremities[0]!;
    const auth = [...room.state.values()].filter((id) => room.event(id)!.pdu.type !== "m.room.member" || room.event(id)!.pdu["state_key"] === creator);
    const build = (prevEvents: string[], topic: string | undefined, ts: number) =>
      room.place(
        host.sign(
          room.prototypeAt({
            type: topic === undefined ? "m.room.message" : "m.room.topic",
            sender: creator,
            content: topic === undefined ? { body: "hi" } : { topic },
            ...(topic === undefined ? {} : { stateKey: "" }),
            prevEvents,
            authEvents: auth.filter((id) => ["m.room.create", "m.room.power_levels", "m.room.member"].includes(room.event(id)!.pdu.type)),
            originServerTs: ts,
          }),
          room.version,
        ),
      );
    forkA = build([base], "A", Date.now());
    hidden = build([base], undefined, Date.now() + 1);
    forkB = build([hidden.eventId], "B", Date.now() + 2);
    merge = build([forkA.eventId, forkB.eventId], undefined, Date.now() + 3);
    room.withheld.add(hidden.eventId);
  });
  afterAll(async () => {
    await host?.stop();
    await asker?.stop();
  });

  test("state_ids and state answer with the state before the given event", async () => {
    const remote = asker.to(host.serverName);
    const { pdu_ids, auth_chain_ids } = remote.must(await remote.stateIds(room.roomId, forkB.eventId));
    // Before B the topic is unset: B is a child of the message, not of A.
    expect(pdu_ids).not.toContain(forkA.eventId);
    expect(pdu_ids).not.toContain(forkB.eventId);
    expect(pdu_ids).toHaveLength(room.stateBefore(forkB.eventId)!.size);
    expect(auth_chain_ids.length).toBeGreaterThan(0);
    const topics = remote.must(await remote.state(room.roomId, merge.eventId)).pdus.filter((pdu) => pdu.type === "m.room.topic");
    // The merge resolves two topics set by the same sender: the later one (B) wins by timestamp (rooms/v2 mainline ordering).
    expect(topics.map((pdu) => pdu.content["topic"])).toEqual(["B"]);
  });

  test("state_ids for an unknown event is 404 M_NOT_FOUND", async () => {
    expectMatrixError(await asker.to(host.serverName).stateIds(room.roomId, "$nope"), 404, "M_NOT_FOUND");
  });

  test("a claimed state replaces the derived one", async () => {
    const claimed = new Map([...room.stateBefore(forkA.eventId)!].slice(0, 2));
    room.claimStateBefore(hidden.eventId, claimed);
    const remote = asker.to(host.serverName);
    expect(remote.must(await remote.stateIds(room.roomId, hidden.eventId)).pdu_ids.sort()).toEqual([...claimed.values()].sort());
  });

  test("get_missing_events walks prev_events from latest to earliest and leaves withheld events out", async () => {
    const remote = asker.to(host.serverName);
    const { events } = remote.must(await remote.missingEvents(room.roomId, { earliest_events: [forkA.eventId], latest_events: [merge.eventId], limit: 10, min_depth: 0 }));
    expect(events.map((pdu) => pdu.content["topic"] ?? pdu.content["body"])).toEqual(["B"]);
  });

  test("backfill returns the given events and their ancestors, newest first, up to the limit", async () => {
    const remote = asker.to(host.serverName);
    const { pdus } = remote.must(await remote.backfill(room.roomId, [merge.eventId], 2));
    expect(pdus).toHaveLength(2);
    expect(pdus[0]!.content["body"]).toBe("hi");
    expect(pdus[0]!["prev_events"]).toEqual([forkA.eventId, forkB.eventId]);
  });

  test("event_auth returns the event's auth chain", async () => {
    const remote = asker.to(host.serverName);
    const types = remote.must(await remote.eventAuth(room.roomId, merge.eventId)).auth_chain.map((pdu) => pdu.type).sort();
    expect(types).toEqual(["m.room.create", "m.room.member", "m.room.power_levels"]);
  });

  test("sendTransaction reports the receiver's result for each PDU", async () => {
    const results = await host.sendTransaction(asker.serverName, [merge.pdu]);
    // The asker hosts no copy of the room, so it refuses the PDU and says why.
    expect(Object.values(results).map((result) => result.error)).toEqual([expect.stringMatching(/unknown room/)]);
  });
});
