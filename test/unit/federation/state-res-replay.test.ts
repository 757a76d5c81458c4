import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { replayability, StateResReplay, mapFixtureIds } from "../../../src/federation/state-res-replay.ts";
import { PeerRoom, type EventSigner } from "../../../src/federation/room.ts";
import {
  referencedEventIds,
  resolveState,
  signEvent,
  signingKeyFromSeed,
  splitStateMapKey,
  type Pdu,
  type RoomEvent,
  type StateMapKey,
} from "../../../src/protocol/index.ts";
import { parseStateResFixture, runStateResFixture, stateAfter } from "../../../src/protocol/state-res/fixture.ts";

// A replay must give the fixture's expected state under the reference resolver (rooms/v2.md,
// rooms/v12.md) before it is worth sending to a homeserver: a mismatch there is the replay's bug.

const directory = fileURLToPath(new URL("../../../fixtures/state-res/", import.meta.url));
const files = readdirSync(directory).filter((name) => name.endsWith(".json")).sort();
const load = (file: string) => parseStateResFixture(JSON.parse(readFileSync(directory + file, "utf8")), file);

function signer(serverName: string): EventSigner {
  const key = signingKeyFromSeed(randomBytes(32));
  return (event, version) => signEvent(event, version, serverName, "ed25519:test", key) as unknown as Pdu;
}

const PEER = "localhost:8448";
const RESIDENT = "resident.test";

/** Replays a fixture offline: the homeserver's invite and join are built by a second signer. */
function replayOffline(file: string) {
  const fixture = load(file);
  const replay = StateResReplay.start(fixture, { serverName: PEER, sign: signer(PEER) });
  const room = replay.room;
  const resident = `@resident:${RESIDENT}`;
  const signResident = signer(RESIDENT);
  room.append(signer(PEER)(room.prototype({ type: "m.room.member", sender: replay.creator, stateKey: resident, content: { membership: "invite" } }, replay.inviteTs), room.version));
  const join = room.append(signResident(room.prototype({ type: "m.room.member", sender: resident, stateKey: resident, content: { membership: "join" } }), room.version));
  const plan = replay.build(join.eventId);
  return { fixture, replay, room, plan, join };
}

function lookupOf(room: PeerRoom): Map<string, RoomEvent> {
  const map = new Map<string, RoomEvent>();
  for (const stored of room.events.values()) map.set(stored.eventId, { ...(stored.pdu as unknown as RoomEvent), event_id: stored.eventId });
  return map;
}

function named(replay: StateResReplay, state: ReadonlyMap<StateMapKey, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, id] of state ?? []) out[splitStateMapKey(key).join(" ")] = replay.nameOf(id) ?? id;
  return out;
}

const replayable = files.filter((file) => replayability(load(file)).replayable);

describe("state-resolution fixture replay", () => {
  it("replays every fixture that asks for a resolved state, and only those", () => {
    const skipped = files.filter((file) => !replayable.includes(file));
    expect(skipped).toEqual(["auth-difference-chain.json", "auth-difference-different-sets.json", "auth-difference-simple.json", "lexicographical-ordering.json"]);
    expect(replayable.length).toBe(18);
  });

  it("maps example.com users and rooms onto the peer, in values and keys", () => {
    expect(mapFixtureIds({ users: { "@bob:example.com": 50 }, allow: [{ room_id: "!space:example.com" }], body: "mail@example.com" }, PEER)).toEqual({
      users: { [`@bob:${PEER}`]: 50 },
      allow: [{ room_id: `!space:${PEER}` }],
      body: "mail@example.com",
    });
  });

  it.each(replayable)("%s: the re-signed replay resolves to the expected state", (file) => {
    const { fixture, replay, room, plan } = replayOffline(file);
    const expected = replay.expectedState();
    // What the peer serves as the state at the target, and an independent reference computation.
    expect(named(replay, room.stateBefore(plan.target.eventId))).toEqual(named(replay, expected));
    const lookup = lookupOf(room);
    const version = replay.version.id;
    if (fixture.question.kind === "state_at") {
      expect(named(replay, stateAfter(plan.target.eventId, lookup, version, {}).state)).toEqual(named(replay, expected));
    } else if (fixture.question.kind === "state_sets") {
      const sets = fixture.question.stateSets.map((set) => replay.realState(set));
      expect(named(replay, resolveState(sets, lookup, version))).toEqual(named(replay, expected));
      // Each fork tip has exactly one of the fixture's state sets.
      const tips = referencedEventIds(plan.target.pdu["prev_events"] as string[]);
      expect(tips.map((tip) => named(replay, room.stateAfter(tip)))).toEqual(sets.map((set) => named(replay, set)));
    }
  });

  it("reaches the reset state sets of MSC4297 only through claimed forks", () => {
    for (const file of ["msc4297-problem-a-v11.json", "msc4297-problem-b-v12.json"]) {
      const { plan } = replayOffline(file);
      expect(plan.claimedForks.map((fork) => fork.stateSet)).toEqual([file.includes("problem-a") ? 1 : 0]);
    }
    expect(replayOffline("concurrent-kicks.json").plan.claimedForks).toEqual([]);
  });

  it("withholds the claimed parent from /get_missing_events but serves the state at it", () => {
    const { room, plan, replay } = replayOffline("msc4297-problem-a-v12.json");
    const [fork] = plan.claimedForks;
    const naturalTips = referencedEventIds(plan.target.pdu["prev_events"] as string[]).filter((id) => id !== fork!.tip.eventId);
    // A receiver holding the natural events asks for what lies between them and the merge.
    const missing = room.missingEvents(naturalTips, [plan.target.eventId], 10);
    expect(missing.map((e) => e.eventId)).toEqual([fork!.tip.eventId]);
    const question = replay.fixture.question;
    if (question.kind !== "state_sets") throw new Error("problem A asks to resolve state sets");
    expect(room.stateBefore(fork!.hidden.eventId)).toEqual(replay.realState(question.stateSets[1]!));
    expect(room.backfill([fork!.tip.eventId], 5).map((e) => e.eventId)).toEqual([fork!.tip.eventId]);
  });

  it("flags fixture events that their own auth_events do not allow", () => {
    const fixture = load("concurrent-kicks.json");
    // Without the power levels in its auth events, Bob (power 0 by default) may not kick.
    const kick = fixture.events.find((event) => event.event_id === "$KC")!;
    fixture.events[fixture.events.indexOf(kick)] = { ...kick, auth_events: kick.auth_events.filter((id) => id !== "$PL") };
    const replay = StateResReplay.start(fixture, { serverName: PEER, sign: signer(PEER) });
    const room = replay.room;
    room.append(signer(PEER)(room.prototype({ type: "m.room.member", sender: replay.creator, stateKey: `@r:${RESIDENT}`, content: { membership: "invite" } }), room.version));
    const join = room.append(signer(RESIDENT)(room.prototype({ type: "m.room.member", sender: `@r:${RESIDENT}`, stateKey: `@r:${RESIDENT}`, content: { membership: "join" } }), room.version));
    replay.build(join.eventId);
    expect(replay.eventsFailingOwnAuthEvents()).toEqual([expect.stringMatching(/^KC: rule /)]);
    expect(replayOffline("concurrent-kicks.json").replay.eventsFailingOwnAuthEvents()).toEqual([]);
  });

  it("replays room version 2 fixtures in room version 10", () => {
    const verdict = replayability(load("synapse-topic.json"));
    expect(verdict).toMatchObject({ replayable: true, roomVersion: "10" });
    expect(replayOffline("synapse-topic.json").room.version.id).toBe("10");
  });
});

describe("fixture shapes of other implementations' suites", () => {
  /** concurrent-kicks.json with other state sets, and the expected state the reference resolver gives them. */
  function withStateSets(stateSets: string[][]) {
    const json = JSON.parse(readFileSync(directory + "concurrent-kicks.json", "utf8")) as { resolve: unknown; expected: { state: Record<string, Record<string, string>> } };
    json.resolve = { state_sets: stateSets };
    const unresolved = parseStateResFixture(json, "shape.json");
    const resolved = runStateResFixture(unresolved).resolved!;
    const state: Record<string, Record<string, string>> = {};
    for (const [key, id] of resolved) {
      const [type, stateKey] = splitStateMapKey(key);
      (state[type] ??= {})[stateKey] = id.replace(/^\$/, "");
    }
    json.expected = { state };
    return parseStateResFixture(json, "shape.json");
  }

  it("a state set without the create event is not replayable, with the reason", () => {
    const verdict = replayability(withStateSets([["CREATE", "MA", "PL", "JR", "MB"], ["KB"], ["KC"]]));
    expect(verdict).toEqual({ replayable: false, reason: "has state set 2 without the m.room.create event, and a homeserver accepts no event whose state lacks one" });
  });

  it("state sets without a fixture user joined in all of them are sent and merged by a member of the peer's, and resolve as the fixture says", () => {
    // Alice's join is missing from the second set, Bob and Charlie differ between them: no fixture user is joined in both.
    const fixture = withStateSets([["CREATE", "MA", "PL", "JR", "MB", "KC"], ["CREATE", "PL", "JR", "KB", "MC"]]);
    expect(replayability(fixture).replayable).toBe(true);
    const replay = StateResReplay.start(fixture, { serverName: PEER, sign: signer(PEER) });
    const room = replay.room;
    const resident = `@resident:${RESIDENT}`;
    room.append(signer(PEER)(room.prototype({ type: "m.room.member", sender: replay.creator, stateKey: resident, content: { membership: "invite" } }, replay.inviteTs), room.version));
    const join = room.append(signer(RESIDENT)(room.prototype({ type: "m.room.member", sender: resident, stateKey: resident, content: { membership: "join" } }), room.version));
    const plan = replay.build(join.eventId);
    expect(plan.target.pdu.sender).toBe(`@replay-member:${PEER}`);
    expect(plan.natural.slice(0, 2).map((e) => replay.nameOf(e.eventId))).toEqual(["(replay: invite of the peer's member)", "(replay: the peer's member's join)"]);
    // The added member is unconflicted and its auth chain is common to both sets: the answer is the fixture's.
    expect(replay.augmentationProblem(plan.target.eventId)).toBeUndefined();
    expect(named(replay, room.stateBefore(plan.target.eventId))).toEqual(named(replay, replay.expectedState()));
  });
});
