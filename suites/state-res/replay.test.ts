import { federationEndpoints } from "../../src/federation/endpoints.ts";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { endpoints } from "../../src/client/endpoints.ts";
import { eventWithId, timelineHas } from "../../src/client/sync.ts";
import { StateResReplay, replayability, type ReplayPlan } from "../../src/federation/state-res-replay.ts";
import type { FederationPeer } from "../../src/federation/peer.ts";
import { splitStateMapKey, stateMapKey, type Pdu, type StateMapKey } from "../../src/protocol/index.ts";
import { explainEvent, parseStateResFixture, runStateResFixture, type StateResFixture } from "../../src/protocol/state-res/fixture.ts";
import { covers, describe, expect, test } from "../federation/peer-fixture.ts";

// Replays fixtures/state-res through the federation peer and compares the homeserver's state at
// the fixture's event with the spec's algorithm (rooms/v2 and rooms/v12 "State resolution").
// How the replay is built and why: README.md beside this file.

/** The server-server API caps a transaction at 50 PDUs. */
const MAX_PDUS_PER_TRANSACTION = 50;

/** Fixtures of a homeserver's own can be replayed from another directory, in the same format. */
const FIXTURES_VARIABLE = "GAUNTLET_STATE_RES_FIXTURES";
const configured = process.env[FIXTURES_VARIABLE];
const directory = configured ? `${configured.replace(/\/+$/, "")}/` : fileURLToPath(new URL("../../fixtures/state-res/", import.meta.url));
const files = readdirSync(directory).filter((name) => name.endsWith(".json")).sort();
const load = (file: string): StateResFixture => parseStateResFixture(JSON.parse(readFileSync(directory + file, "utf8")), file);

/** The (type, state_key) of every event the peer knows, to read the homeserver's answer. */
function keyOf(replay: StateResReplay, eventId: string): StateMapKey | undefined {
  const stored = replay.room.event(eventId);
  const stateKey = stored?.pdu["state_key"];
  return stored && typeof stateKey === "string" ? stateMapKey(stored.pdu.type, stateKey) : undefined;
}

function describeEvent(replay: StateResReplay, eventId: string | undefined, pdus: Map<string, Pdu>): string {
  if (eventId === undefined) return "nothing";
  const pdu = replay.room.event(eventId)?.pdu ?? pdus.get(eventId);
  const name = replay.nameOf(eventId) ?? eventId;
  if (!pdu) return `${name} (unknown event)`;
  return `${name} (${pdu.type} from ${pdu.sender}: ${JSON.stringify(pdu.content)})`;
}

/** Sends the fixture's events, then the target, checking the homeserver accepted each transaction's PDUs. */
async function sendReplay(peer: FederationPeer, destination: string, replay: StateResReplay, plan: ReplayPlan): Promise<void> {
  const pdus = plan.natural.map((stored) => stored.pdu);
  if (!plan.natural.includes(plan.target)) pdus.push(plan.target.pdu);
  for (let at = 0; at < pdus.length; at += MAX_PDUS_PER_TRANSACTION) {
    const results = await peer.sendTransaction(destination, pdus.slice(at, at + MAX_PDUS_PER_TRANSACTION));
    const refused = Object.entries(results).filter(([, result]) => result.error !== undefined);
    // PDUs that fail the auth rules are stored as rejected, not refused (server-server API, "Checks performed on receipt of a PDU").
    expect(refused.map(([id, result]) => `${replay.nameOf(id) ?? id}: ${result.error}`), `the homeserver refused PDUs of the replay`).toEqual([]);
  }
}

/** The state at `eventId` as the homeserver reports it over federation, keyed by (type, state_key). */
async function homeserverStateAt(peer: FederationPeer, destination: string, replay: StateResReplay, eventId: string, waitProblem: string | undefined) {
  const roomId = replay.room.roomId;
  const remote = peer.to(destination);
  const response = await remote.stateIds(roomId, eventId);
  expect(response.status, `${response.exchange.path}: ${response.text.slice(0, 500)}${waitProblem ? `\nthe target never reached the homeserver user's timeline: ${waitProblem}` : ""}`).toBe(200);
  const ids = response.body.pdu_ids;
  const state = new Map<StateMapKey, string>();
  const unknown = new Map<string, Pdu>();
  for (const id of ids) {
    let key = keyOf(replay, id);
    if (!key) {
      // Not an event the peer built: ask the homeserver what it is, to report it.
      const fetched = await remote.getEvent(id);
      const pdu = fetched.ok ? fetched.body.pdus[0] : undefined;
      if (pdu) unknown.set(id, pdu);
      key = pdu && typeof pdu["state_key"] === "string" ? stateMapKey(pdu.type, pdu["state_key"]) : `(unknown event ${id})`;
    }
    state.set(key, id);
  }
  return { state, unknown };
}

describe("state resolution over federation: fixtures/state-res replayed through the peer", () => {
  for (const file of files) {
    const fixture = load(file);
    const verdict = replayability(fixture);
    if (!verdict.replayable) {
      // A homeserver exposes resolved state only; these fixtures check the algorithm's intermediates.
      test.skip(`${file}: not replayable, it ${verdict.reason}`, () => {});
      continue;
    }
    const v21 = verdict.roomVersion === "12";
    const algorithm = v21 ? "v2.1" : "v2";
    const question = fixture.question.kind === "state_at" ? `state at ${fixture.question.eventId.slice(1)}` : `resolution of ${fixture.question.kind === "state_sets" ? fixture.question.stateSets.length : 0} state sets`;
    const title = `${file}: ${question} in room version ${verdict.roomVersion}${verdict.note ? ` (${verdict.note})` : ""}`;
    const endpointsCovered = [federationEndpoints.invite, federationEndpoints.makeJoin, federationEndpoints.sendJoin, federationEndpoints.sendTransaction, federationEndpoints.stateIds, ...(fixture.question.kind === "state_sets" ? [federationEndpoints.missingEvents] : [])];

    // A homeserver processes a room's inbound PDUs one after another; in a full run on two cores
    // Synapse took ~1 s per PDU, more while other rooms compete: the deadline grows with the PDUs
    // sent (the fixture's events, the target, a claimed fork's tip), and the test's with it.
    const landingMs = 30_000 + 3_000 * (fixture.events.length + 2);
    test(title, { ...covers(endpointsCovered, v21 ? "rooms/v12/#state-resolution" : "rooms/v2/#state-resolution"), timeout: landingMs + 60_000 }, async ({ alice: resident, hs, peer, skip }) => {
      const replay = StateResReplay.start(fixture, { serverName: peer.serverName, sign: (event, version) => peer.sign(event, version) });
      const room = replay.room;
      peer.rooms.set(room.roomId, room);

      // The homeserver needs a joined user to receive the room's events: the creator invites one
      // right after the creator's join, so its membership is the same in every fork.
      await peer.inviteRemoteUser(room, { sender: replay.creator, userId: resident.userId!, originServerTs: replay.inviteTs });
      await resident.mustJoinVia(room.roomId, peer.serverName);
      const join = room.stateEvent("m.room.member", resident.userId!);
      expect(join?.pdu.content["membership"], "the homeserver's user joined through the peer's send_join").toBe("join");
      const plan = replay.build(join!.eventId);
      const target = plan.target.eventId;
      const expected = replay.expectedState();
      // Members the replay had to add may change the answer: then the question cannot be asked, which is no failure of the homeserver.
      const augmentation = replay.augmentationProblem(target);
      if (augmentation) skip(`${file}: not replayable, it ${augmentation}`);

      // The replay itself must reproduce the fixture under the reference resolver; otherwise a
      // mismatch below would be the replay's, not the homeserver's.
      const byName = (state: ReadonlyMap<StateMapKey, string> | undefined) =>
        Object.fromEntries([...(state ?? [])].map(([key, id]) => [splitStateMapKey(key).join(" "), replay.nameOf(id) ?? id]));
      expect(byName(room.stateBefore(target)), "replay error, not a homeserver failure: the peer's own state at the target differs from the fixture").toEqual(byName(expected));

      // A receiver rejects an event that fails the auth rules against its own auth_events (server-server
      // API, "Checks performed on receipt of a PDU", step 4): such a fixture cannot be replayed faithfully.
      const invalid = replay.eventsFailingOwnAuthEvents();
      expect(invalid, `fixture error in ${file}, not a homeserver failure: events not allowed by their own auth_events`).toEqual([]);

      const requestsBefore = peer.requests.length;
      await sendReplay(peer, hs.serverName, replay, plan);
      // Inbound PDUs are processed after /send answers: wait until the target reaches the timeline.
      const landed = await resident.syncUntil(timelineHas(room.roomId, eventWithId(target)), { timeoutMs: landingMs }).then(
        () => undefined,
        (error: Error) => error.message,
      );
      if (plan.claimedForks.length > 0) {
        // A fork whose state no event reaches is delivered as a pulled event whose parent's state the peer claims.
        const asked = peer.requests.slice(requestsBefore).filter((r) => /\/(state_ids|state)\//.test(r.path) && r.status === 200);
        const seen = peer.requests.slice(requestsBefore).map((r) => `${r.method} ${r.path} -> ${r.status}`);
        expect(asked.length, `the homeserver fetched the state at the claimed fork's parent; it asked the peer:\n${seen.join("\n")}`).toBeGreaterThanOrEqual(plan.claimedForks.length);
      }
      const { state: actual, unknown } = await homeserverStateAt(peer, hs.serverName, replay, target, landed);
      const resident_ = replay.residentKey!;
      const keys = new Set([...expected.keys(), ...actual.keys()].filter((key) => key !== resident_));
      const outcome = runStateResFixture(fixture, { roomVersion: verdict.roomVersion });
      const lines: string[] = [];
      for (const key of [...keys].sort()) {
        const want = expected.get(key);
        const got = actual.get(key);
        if (want === got) continue;
        const [type, stateKey] = splitStateMapKey(key);
        lines.push(`  (${type}, ${JSON.stringify(stateKey)}): expected ${describeEvent(replay, want, unknown)}; the homeserver has ${describeEvent(replay, got, unknown)}`);
        for (const id of [want, got]) {
          const name = id && replay.nameOf(id);
          if (!name || name.startsWith("(")) continue;
          const walked = outcome.walkRejections.get(`$${name}`);
          const why = walked && !walked.allowed ? `${name}: rejected against the state before it, rule ${walked.rule} (${walked.reason})` : explainEvent(`$${name}`, outcome.trace);
          lines.push(`      spec algorithm: ${why}`);
        }
      }
      const message = [
        `${file}: the homeserver's state at ${replay.nameOf(target)} differs from state resolution ${algorithm}:`,
        ...lines,
        `  why the fixture expects this: ${fixture.description}`,
        `  hint: \`gauntlet state-res fixtures/state-res/${file}\` explains the spec's ordering and auth checks step by step`,
      ].join("\n");
      expect(lines, message).toEqual([]);
    });
  }
});
