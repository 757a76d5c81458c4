import { endpoints } from "../../src/client/endpoints.ts";
import { ExchangeLog } from "../../src/client/exchange.ts";
import type { MatrixClient } from "../../src/client/client.ts";
import { eventWithId, timelineHas } from "../../src/client/sync.ts";
import type { Deployment } from "../../src/deployment/deployment.ts";
import { buildAuthRuleCases, type AuthCaseStep } from "../../src/federation/auth-case-builder.ts";
import { authRuleNumbers, authRulesSection } from "../../src/federation/auth-rule-numbers.ts";
import { casesFor } from "../../src/federation/auth-cases.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import type { FederationPeer } from "../../src/federation/peer.ts";
import { computeEventId, ROOM_VERSIONS, type Pdu, type RoomVersion } from "../../src/protocol/index.ts";
import { test as base } from "../fixtures.ts";
import { covers, describe, expect, NO_CA, startPeer } from "./peer-fixture.ts";

// Authorisation rules over federation (server-server API, "Checks performed on receipt of a PDU",
// step 4; rooms/vN.md "Authorisation rules"): per room version, the peer hosts one room that the
// homeserver's user joins, then sends every case of src/federation/auth-cases.ts over /send in
// order. A violation must be rejected (absent from /messages, /state, /sync and the client's /event), its
// control accepted. One room per version keeps the suite to a few hundred events per version.

/** The server-server API caps a transaction at 50 PDUs. */
const MAX_PDUS_PER_TRANSACTION = 50;
/**
 * Every case of a version lands within this, or the version's tests fail with what was seen. In a
 * full run on two cores Synapse handled a room's inbound PDUs at about one a second while twelve
 * rooms and the other suites competed, and a version sends about 190: 90 s was too short there.
 */
const LANDING_DEADLINE_MS = 240_000;
const MAX_MESSAGE_PAGES = 20;
/** A version's first tests wait for its room: every version's cases go to the homeserver at once. */
const RUN_TIMEOUT_MS = 360_000;

interface RoomOutcome {
  roomId: string;
  /** The homeserver's joined user, whose views the checks read. */
  resident: MatrixClient;
  steps: AuthCaseStep[];
  /** The homeserver's answer in /send for each PDU that it gave an error for. */
  sendErrors: Map<string, string>;
  /** Every event ID the homeserver's /send results named, and every ID the peer sent. */
  resultIds: Set<string>;
  /** The homeserver's own join event. */
  residentJoinId: string;
  /** The last event sent, after every case. */
  sentinelId: string;
  /** Event IDs the homeserver shows the joined user. */
  messages: Set<string>;
  state: Set<string>;
  sync: Set<string>;
  /** The state before the last event, as the homeserver answers other servers (/state_ids). */
  federationState: Set<string>;
  /** Why the run did not complete, when it did not. */
  problem?: string;
}

/** Every event of the room's timeline as /messages pages it backwards from the end. */
async function messageIds(client: MatrixClient, roomId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let from: string | undefined;
  for (let page = 0; page < MAX_MESSAGE_PAGES; page += 1) {
    const body = client.must(await client.call(endpoints.messages, { path: { roomId }, query: { dir: "b", limit: 1000, ...(from ? { from } : {}) } }));
    for (const event of body.chunk) ids.add(event.event_id);
    if (!body.end || body.chunk.length === 0) break;
    from = body.end;
  }
  return ids;
}

async function runVersion(deployment: Deployment, peer: FederationPeer, version: string, log: ExchangeLog): Promise<RoomOutcome> {
  const hs = deployment.homeserver("hs1");
  const { client: resident } = await hs.newUser("resident", { log });
  const creator = peer.userId("creator");
  const room = peer.createRoom({ version, creator });
  await resident.mustJoinVia(room.roomId, peer.serverName);
  const residentJoin = room.stateEvent("m.room.member", resident.userId!);
  if (!residentJoin) throw new Error(`room version ${version}: the homeserver's join did not reach the peer`);
  const { builder } = buildAuthRuleCases({
    room,
    sign: (event) => peer.sign(event, room.version),
    creator,
    serverName: peer.serverName,
    foreignUser: resident.userId!,
    foreignEventId: residentJoin.eventId,
  });
  // The last event: once the homeserver shows it, every earlier PDU of the room has been handled.
  const sentinel = room.append(peer.sign(room.prototype({ type: "m.room.message", sender: creator, content: { msgtype: "m.text", body: "end of cases" } }), room.version));
  const pdus: Pdu[] = [...builder.steps.map((s) => s.event.pdu), sentinel.pdu];
  const sendErrors = new Map<string, string>();
  const resultIds = new Set<string>();
  for (let at = 0; at < pdus.length; at += MAX_PDUS_PER_TRANSACTION) {
    const results = await peer.sendTransaction(hs.serverName, pdus.slice(at, at + MAX_PDUS_PER_TRANSACTION));
    for (const [id, result] of Object.entries(results)) {
      resultIds.add(id);
      if (result.error !== undefined) sendErrors.set(id, result.error);
    }
  }
  const outcome: RoomOutcome = { roomId: room.roomId, resident, resultIds, residentJoinId: residentJoin.eventId, sentinelId: sentinel.eventId, steps: builder.steps, sendErrors, messages: new Set(), state: new Set(), sync: new Set(), federationState: new Set() };
  try {
    await resident.syncUntil(timelineHas(room.roomId, eventWithId(sentinel.eventId)), { timeoutMs: LANDING_DEADLINE_MS });
  } catch (error) {
    outcome.problem = `the last event ${sentinel.eventId} never reached the homeserver user's timeline: ${(error as Error).message.slice(0, 400)}`;
  }
  outcome.messages = await messageIds(resident, room.roomId);
  outcome.state = new Set(resident.must(await resident.call(endpoints.getState, { path: { roomId: room.roomId } })).map((e) => e.event_id));
  const sync = await resident.mustSync({ timeout: 0, filter: { room: { rooms: [room.roomId], timeline: { limit: 1000 } } } });
  const joined = sync.rooms?.join?.[room.roomId];
  const stateIds = await peer.to(hs).stateIds(room.roomId, sentinel.eventId);
  if (stateIds.ok) outcome.federationState = new Set(stateIds.body.pdu_ids);
  outcome.sync = new Set([...(joined?.timeline?.events ?? []), ...(joined?.state?.events ?? [])].map((e) => e.event_id));
  return outcome;
}

/** Each version's room, hosted by a peer of its own: a homeserver handles one transaction per origin at a time. */
interface AuthRooms {
  peer(version: string): FederationPeer;
  outcome(version: string): Promise<RoomOutcome>;
}

const test = base.extend<{ $file: { authRooms: AuthRooms | undefined } }>({
  authRooms: [
    async ({ deployment }, use) => {
      const log = new ExchangeLog(30);
      const peers = new Map<string, FederationPeer>();
      const runs = new Map<string, Promise<RoomOutcome>>();
      for (const version of ROOM_VERSIONS.keys()) {
        const peer = await startPeer(deployment, log);
        if (!peer) break;
        peers.set(version, peer);
        // Every version's room at once: the homeserver overlaps their waits on the peers.
        const run = runVersion(deployment, peer, version, log);
        // Each test of the version awaits it and reports its failure; none may go unhandled before.
        run.catch(() => undefined);
        runs.set(version, run);
      }
      await use(peers.size === 0 ? undefined : { peer: (version) => peers.get(version)!, outcome: (version) => runs.get(version)! });
      await Promise.allSettled(runs.values());
      await Promise.all([...peers.values()].map((peer) => peer.stop()));
    },
    { scope: "file" },
  ],
});

function describeStep(outcome: RoomOutcome, step: AuthCaseStep): string {
  const { pdu } = step.event;
  const sent = outcome.sendErrors.get(step.event.eventId);
  return `${step.role} ${step.event.eventId} (${pdu.type} from ${pdu.sender}: ${JSON.stringify(pdu.content).slice(0, 200)}); reference: ${JSON.stringify(step.reference)}; /send: ${sent ?? "no error"}`;
}

/** Event IDs per room version (rooms/v1.md, v3.md, v4.md "Event IDs"): opaque with the origin's name, then reference hashes. */
function eventIdForm(rules: RoomVersion, origin: string): RegExp {
  if (rules.eventIdFormat === "opaque") return new RegExp(`^\\$[^:]+:${origin.replace(/[.]/g, "\\.")}$`);
  return rules.eventIdFormat === "reference-hash-standard" ? /^\$[A-Za-z0-9+/]{43}$/ : /^\$[A-Za-z0-9_-]{43}$/;
}

for (const rules of ROOM_VERSIONS.values()) {
  const version = rules.id;
  describe(`authorisation rules over federation, room version ${version}`, () => {
    test(
      `v${version}: /send results name PDUs by the event IDs their room version gives them (every accepted one, no other ID), and the homeserver's own join has an ID of that form`,
      { ...covers([fed.sendTransaction, fed.sendJoin], rules.eventIdFormat === "opaque" ? "rooms/v1/#event-ids" : rules.eventIdFormat === "reference-hash-standard" ? "rooms/v3/#event-ids" : "rooms/v4/#event-ids"), timeout: RUN_TIMEOUT_MS },
      async ({ authRooms, hs, skip }) => {
        if (!authRooms) return skip(NO_CA);
        const outcome = await authRooms.outcome(version);
        // The receiver computes the same IDs: every key of its results is an ID the peer sent, and every accepted PDU has one.
        const sent = new Set([...outcome.steps.map((step) => step.event.eventId), outcome.sentinelId]);
        expect([...outcome.resultIds].filter((id) => !sent.has(id)), "/send result keys that name no PDU the peer sent").toEqual([]);
        const unnamed = outcome.steps.filter((step) => step.role !== "violation" && step.role !== "rejected" && !outcome.resultIds.has(step.event.eventId)).map((step) => `${step.caseId}: ${describeStep(outcome, step)}`);
        expect(unnamed, `accepted PDUs the /send results do not name:\n${unnamed.join("\n")}`).toEqual([]);
        expect(outcome.residentJoinId).toMatch(eventIdForm(rules, hs.serverName));
        // v12 room IDs are the create event's reference hash with sigil `!` (rooms/v12.md "Room IDs").
        if (rules.roomIdIsCreateEventHash) expect(outcome.roomId).toMatch(/^![A-Za-z0-9_-]{43}$/);
      },
    );
    for (const { ruleCase, number } of casesFor(rules, authRuleNumbers(rules))) {
      test(
        `v${version} rule ${number} (${ruleCase.id}): ${ruleCase.violates} is rejected (absent from /messages, /state, /sync, /state_ids; the client's /event is 404), its control is accepted`,
        { ...covers([fed.sendTransaction, fed.getEvent, fed.stateIds, endpoints.messages, endpoints.getState, endpoints.sync, endpoints.getEvent], authRulesSection(rules)), timeout: RUN_TIMEOUT_MS },
        async ({ authRooms, hs, skip }) => {
          if (!authRooms) return skip(NO_CA);
          const outcome = await authRooms.outcome(version);
          const steps = outcome.steps.filter((s) => s.caseId === ruleCase.id);
          const problem = outcome.problem ? `\n${outcome.problem}` : "";
          const remote = authRooms.peer(version).to(hs);
          for (const step of steps) {
            const what = describeStep(outcome, step);
            if (step.role === "violation" || step.role === "rejected") {
              expect(outcome.messages.has(step.event.eventId), `in /messages: ${what}${problem}`).toBe(false);
              expect(outcome.state.has(step.event.eventId), `in /state: ${what}${problem}`).toBe(false);
              expect(outcome.sync.has(step.event.eventId), `in /sync: ${what}${problem}`).toBe(false);
              expect(outcome.federationState.has(step.event.eventId), `in /state_ids: ${what}${problem}`).toBe(false);
              // Rejected events are never relayed to clients (server-server API, "Rejection"); other servers may still fetch them.
              const served = await outcome.resident.call(endpoints.getEvent, { path: { roomId: outcome.roomId, eventId: step.event.eventId } });
              expect(served.status, `the client's /event serves it: ${what}${problem}`).toBe(404);
            } else {
              // Accepted: in the timeline, or still in the room's state (Synapse shows clients no m.room.aliases).
              const accepted = outcome.messages.has(step.event.eventId) || outcome.federationState.has(step.event.eventId);
              expect(accepted, `neither in /messages nor in /state_ids: ${what}${problem}`).toBe(true);
              const served = await remote.getEvent(step.event.eventId);
              expect(served.status, `federation /event: ${what}${problem}`).toBe(200);
            }
          }
        },
      );
    }
  });
}
