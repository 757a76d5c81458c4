// Protocol core throughput: signing, verification, canonical JSON and state resolution.
// Run with `npm run bench:protocol`; single-threaded, numbers are medians of several runs.
import { performance } from "node:perf_hooks";
import {
  authEventsFor,
  canonicalJson,
  resolveState,
  signEvent,
  signingKeyFromSeed,
  stateMapKey,
  verifyEvent,
  type JsonObject,
  type RoomEvent,
  type StateMap,
} from "../src/protocol/index.ts";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(runs: number, body: () => void): number {
  body(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    body();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

const seed = new Uint8Array(32).fill(1);
const key = signingKeyFromSeed(seed);

function messageEvent(i: number): JsonObject {
  return {
    type: "m.room.message",
    room_id: "!bench:example.org",
    sender: `@user${i % 50}:example.org`,
    content: { msgtype: "m.text", body: `message number ${i} with some text, ünïcödé and 😀`, "m.mentions": {} },
    origin_server_ts: 1_700_000_000_000 + i,
    depth: i,
    prev_events: [`$prev${i}`],
    auth_events: ["$create", "$power", `$member${i % 50}`],
  };
}

// Signing and verification.
const COUNT = 2_000;
const unsigned = Array.from({ length: COUNT }, (_, i) => messageEvent(i));
let signed: JsonObject[] = [];
const signMs = time(5, () => {
  signed = unsigned.map((event) => signEvent(event, "11", "example.org", "ed25519:1", key));
});
const keys = { "example.org": { "ed25519:1": key.publicKey } };
const verifyMs = time(5, () => {
  for (const event of signed) if (!verifyEvent(event, "11", keys).signaturesValid) throw new Error("verification failed");
});

// Canonical JSON.
const document = { events: Array.from({ length: 5_000 }, (_, i) => ({ ...messageEvent(i), unsigned: { age: i, "10": i, b: [1, 2, { z: null, a: true }] } })) };
const documentBytes = Buffer.byteLength(canonicalJson(document));
const canonicalMs = time(7, () => canonicalJson(document));

// State resolution DAGs.
interface Builder {
  events: Map<string, RoomEvent>;
  add(fields: Omit<RoomEvent, "event_id" | "auth_events" | "room_id" | "origin_server_ts">, state: Map<string, string>): string;
}
function builder(version: string): Builder {
  const events = new Map<string, RoomEvent>();
  let ts = 0;
  // v12 room IDs name the create event ($e0 → !e0) and the create event has none.
  const roomId = version === "12" ? "!e0" : "!bench:example.org";
  return {
    events,
    add(fields, state) {
      const id = `$e${events.size}`;
      const isCreate = fields.type === "m.room.create";
      const event: RoomEvent = { ...fields, event_id: id, room_id: isCreate && version === "12" ? undefined : roomId, origin_server_ts: ts++, auth_events: [] };
      const withAuth: RoomEvent = { ...event, auth_events: isCreate ? [] : authEventsFor(event, state, version) };
      events.set(id, withAuth);
      if (withAuth.state_key !== undefined) state.set(stateMapKey(withAuth.type, withAuth.state_key), id);
      return id;
    },
  };
}
const ALICE = "@alice:example.org";

function commonRoot(b: Builder, users: Record<string, number>, version: string): Map<string, string> {
  const state = new Map<string, string>();
  const root = b.add({ type: "m.room.create", state_key: "", sender: ALICE, content: { creator: ALICE, room_version: version }, prev_events: [] }, state);
  let prev = b.add({ type: "m.room.member", state_key: ALICE, sender: ALICE, content: { membership: "join" }, prev_events: [root] }, state);
  // v12 creators have infinite power and must not be listed (rooms/v12.md rule 10.4).
  const listed = version === "12" ? Object.fromEntries(Object.entries(users).filter(([user]) => user !== ALICE)) : users;
  prev = b.add({ type: "m.room.power_levels", state_key: "", sender: ALICE, content: { users: listed }, prev_events: [prev] }, state);
  prev = b.add({ type: "m.room.join_rules", state_key: "", sender: ALICE, content: { join_rule: "public" }, prev_events: [prev] }, state);
  for (const user of Object.keys(users)) {
    if (user !== ALICE) prev = b.add({ type: "m.room.member", state_key: user, sender: user, content: { membership: "join" }, prev_events: [prev] }, state);
  }
  return state;
}

/** Two forks of `length` events each: joins of new users, topics, and a power levels change every 50 events. */
function twoLongForks(length: number, version: string): { events: Map<string, RoomEvent>; sets: StateMap[] } {
  const b = builder(version);
  const root = commonRoot(b, { [ALICE]: 100 }, version);
  const tip = [...b.events.keys()].at(-1)!;
  const sets = ["a", "b"].map((fork) => {
    const state = new Map(root);
    let prev = tip;
    const users: Record<string, number> = version === "12" ? {} : { [ALICE]: 100 };
    for (let i = 0; i < length; i++) {
      if (i % 50 === 49) {
        users[`@${fork}${i}:example.org`] = 10;
        prev = b.add({ type: "m.room.power_levels", state_key: "", sender: ALICE, content: { users: { ...users } }, prev_events: [prev] }, state);
      } else if (i % 3 === 0) {
        prev = b.add({ type: "m.room.topic", state_key: "", sender: ALICE, content: { topic: `${fork}${i}` }, prev_events: [prev] }, state);
      } else {
        const user = `@${fork}${i}:example.org`;
        prev = b.add({ type: "m.room.member", state_key: user, sender: user, content: { membership: "join" }, prev_events: [prev] }, state);
      }
    }
    return state;
  });
  return { events: b.events, sets };
}

/** Alice and Bob (both 100) each write a 100-deep power levels chain, with a topic after every change. */
function powerLevelChains(depth: number): { events: Map<string, RoomEvent>; sets: StateMap[] } {
  const BOB = "@bob:example.org";
  const b = builder("10");
  const root = commonRoot(b, { [ALICE]: 100, [BOB]: 100 }, "10");
  const tip = [...b.events.keys()].at(-1)!;
  const sets = [ALICE, BOB].map((sender) => {
    const state = new Map(root);
    let prev = tip;
    for (let i = 0; i < depth; i++) {
      prev = b.add({ type: "m.room.power_levels", state_key: "", sender, content: { users: { [ALICE]: 100, [BOB]: 100 }, events: { "m.room.topic": 50 + (i % 10) } }, prev_events: [prev] }, state);
      prev = b.add({ type: "m.room.topic", state_key: "", sender, content: { topic: `${sender} ${i}` }, prev_events: [prev] }, state);
    }
    return state;
  });
  return { events: b.events, sets };
}

const forks = twoLongForks(5_000, "10");
const forksMs = time(5, () => resolveState(forks.sets, forks.events, "10"));
const chains = powerLevelChains(100);
const chainsMs = time(5, () => resolveState(chains.sets, chains.events, "10"));
const forks12 = twoLongForks(5_000, "12");
const forks21Ms = time(5, () => resolveState(forks12.sets, forks12.events, "12"));
// Sanity: the resolution keeps both forks' joins, so the work measured is the real algorithm.
for (const [label, dag, version] of [["v2", forks, "10"], ["v2.1", forks12, "12"]] as const) {
  const members = [...resolveState(dag.sets, dag.events, version).keys()].filter((k) => k.startsWith("m.room.member")).length;
  if (members < 6_000) throw new Error(`${label} resolution kept only ${members} memberships; the bench DAG is not what it claims`);
}

const line = (label: string, value: string): void => void process.stdout.write(`${label.padEnd(58)} ${value}\n`);
process.stdout.write(`protocol bench (node ${process.version}, one core)\n`);
line(`events signed per second (${COUNT} v11 events)`, `${Math.round((COUNT / signMs) * 1000).toLocaleString("en")}/s`);
line(`events verified per second (${COUNT} v11 events)`, `${Math.round((COUNT / verifyMs) * 1000).toLocaleString("en")}/s`);
line(`canonical JSON throughput (${(documentBytes / 1e6).toFixed(1)} MB document)`, `${(documentBytes / 1e6 / (canonicalMs / 1000)).toFixed(1)} MB/s`);
line(`resolveState, two forks, ${forks.events.size.toLocaleString("en")} events, v2`, `${forksMs.toFixed(1)} ms`);
line(`resolveState, two forks, ${forks12.events.size.toLocaleString("en")} events, v2.1 (room 12)`, `${forks21Ms.toFixed(1)} ms`);
line(`resolveState, two 100-deep power levels chains, v2`, `${chainsMs.toFixed(1)} ms`);
