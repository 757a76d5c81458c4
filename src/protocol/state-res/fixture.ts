import { authTypesFor } from "../auth/auth-events-selection.ts";
import { authCheck, type AuthResult } from "../auth/auth-rules.ts";
import { compareCodepoints } from "../canonical-json.ts";
import { referencedEventIds, splitStateMapKey, stateMapKey, type RoomEvent, type StateMapKey } from "../event.ts";
import { formatJsonPath, isJsonObject, type JsonObject } from "../json.ts";
import { isKnownRoomVersion, roomVersion as resolveRoomVersion } from "../room-versions.ts";
import { authDifference, toEventLookup, type EventLookup } from "./event-graph.ts";
import { reverseTopologicalPowerOrder } from "./power-ordering.ts";
import { resolveStateWithTrace, type ResolutionTrace, type StateMap } from "./resolve-state.ts";
import { lexicographicalTopologicalSort } from "./topological-sort.ts";

// State-resolution fixtures (format documented in fixtures/state-res/README.md): a DAG of
// named events, what to compute, and the expected result. Names become event IDs `$NAME`.

export type FixtureQuestion =
  | { kind: "state_sets"; stateSets: StateMap[] }
  | { kind: "state_at"; eventId: string }
  | { kind: "auth_difference"; stateSets: StateMap[] }
  | { kind: "power_order"; eventIds: string[] };

export interface StateResFixture {
  description: string;
  source: string | undefined;
  roomVersion: string;
  roomId: string;
  events: RoomEvent[];
  rejected: Set<string>;
  question: FixtureQuestion;
  expected: {
    state?: Map<StateMapKey, string>;
    authDifference?: Set<string>;
    powerOrder?: string[];
  };
}

export class FixtureError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = "FixtureError";
  }
}

/** `$PA` → `PA`: fixtures and reports speak in event names. */
export function eventName(eventId: string): string {
  return eventId.startsWith("$") ? eventId.slice(1) : eventId;
}

const idOf = (name: string): string => `$${name}`;

/** Validates parsed fixture JSON; errors name the offending path. */
export function parseStateResFixture(json: unknown, source = "fixture"): StateResFixture {
  const fail = (path: (string | number)[], message: string): never => {
    throw new FixtureError(`${source} ${formatJsonPath(path)}`, message);
  };
  if (!isJsonObject(json)) return fail([], "a fixture is a JSON object");
  const roomVersion = json["room_version"];
  if (typeof roomVersion !== "string" || !isKnownRoomVersion(roomVersion)) {
    return fail(["room_version"], `expected a known room version such as "11", got ${JSON.stringify(roomVersion)}`);
  }
  const rules = resolveRoomVersion(roomVersion);
  const rawEvents = json["events"];
  if (!Array.isArray(rawEvents) || rawEvents.length === 0) return fail(["events"], "expected a non-empty array of events");
  const createRaw = rawEvents.find((e) => isJsonObject(e) && e["type"] === "m.room.create");
  const createName = isJsonObject(createRaw) && typeof createRaw["id"] === "string" ? createRaw["id"] : undefined;
  const roomId =
    typeof json["room_id"] === "string"
      ? json["room_id"]
      : rules.roomIdIsCreateEventHash && createName
        ? `!${createName}`
        : fail(["room_id"], "required unless the room version derives it from the create event");

  const names = new Set<string>();
  const rejected = new Set<string>();
  const events = rawEvents.map((raw, index): RoomEvent => {
    const at = (key: string): (string | number)[] => ["events", index, key];
    if (!isJsonObject(raw)) return fail(["events", index], "expected an event object");
    const name = raw["id"];
    if (typeof name !== "string" || name === "") return fail(at("id"), "expected a non-empty event name");
    if (names.has(name)) return fail(at("id"), `event name ${name} is used twice`);
    names.add(name);
    for (const key of ["type", "sender"]) if (typeof raw[key] !== "string") fail(at(key), "expected a string");
    if (raw["state_key"] !== undefined && typeof raw["state_key"] !== "string") fail(at("state_key"), "expected a string");
    if (!isJsonObject(raw["content"])) fail(at("content"), "expected an object");
    for (const key of ["prev_events", "auth_events"]) {
      const list = raw[key];
      if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) fail(at(key), "expected an array of event names");
    }
    if (typeof raw["origin_server_ts"] !== "number") fail(at("origin_server_ts"), "expected an integer");
    if (raw["rejected"] === true) rejected.add(idOf(name));
    const isCreate = raw["type"] === "m.room.create";
    return {
      event_id: idOf(name),
      type: raw["type"] as string,
      state_key: raw["state_key"] as string | undefined,
      sender: raw["sender"] as string,
      room_id: isCreate && rules.roomIdIsCreateEventHash ? undefined : roomId,
      content: raw["content"] as JsonObject,
      prev_events: (raw["prev_events"] as string[]).map(idOf),
      auth_events: (raw["auth_events"] as string[]).map(idOf),
      origin_server_ts: raw["origin_server_ts"] as number,
      depth: typeof raw["depth"] === "number" ? raw["depth"] : undefined,
      redacts: typeof raw["redacts"] === "string" ? idOf(raw["redacts"]) : undefined,
      signatures: isJsonObject(raw["signatures"]) ? raw["signatures"] : undefined,
    };
  });
  events.forEach((event, index) => {
    for (const key of ["prev_events", "auth_events"] as const) {
      for (const id of referencedEventIds(event[key])) {
        if (!names.has(eventName(id))) fail(["events", index, key], `refers to unknown event ${eventName(id)}`);
      }
    }
  });
  const byId = new Map(events.map((event) => [event.event_id, event]));

  const stateSetsAt = (path: (string | number)[], value: unknown): StateMap[] => {
    if (!Array.isArray(value)) return fail(path, "expected an array of state sets (arrays of event names)");
    return value.map((set, i) => {
      if (!Array.isArray(set)) return fail([...path, i], "expected an array of event names");
      const state = new Map<StateMapKey, string>();
      set.forEach((name, j) => {
        const event = typeof name === "string" ? byId.get(idOf(name)) : undefined;
        if (!event) return fail([...path, i, j], `unknown event ${JSON.stringify(name)}`);
        if (event.state_key === undefined) return fail([...path, i, j], `${String(name)} is not a state event`);
        const key = stateMapKey(event.type, event.state_key);
        if (state.has(key)) fail([...path, i, j], `two events for (${event.type}, ${event.state_key})`);
        state.set(key, event.event_id);
      });
      return state;
    });
  };

  const resolve = json["resolve"];
  if (!isJsonObject(resolve)) return fail(["resolve"], "expected an object with state_sets, state_at or power_order_of");
  let question: FixtureQuestion;
  if (resolve["state_sets"] !== undefined) {
    const stateSets = stateSetsAt(["resolve", "state_sets"], resolve["state_sets"]);
    question = { kind: isJsonObject(json["expected"]) && json["expected"]["auth_difference"] !== undefined ? "auth_difference" : "state_sets", stateSets };
  } else if (typeof resolve["state_at"] === "string") {
    if (!byId.has(idOf(resolve["state_at"]))) return fail(["resolve", "state_at"], `unknown event ${resolve["state_at"]}`);
    question = { kind: "state_at", eventId: idOf(resolve["state_at"]) };
  } else if (Array.isArray(resolve["power_order_of"])) {
    const ids = resolve["power_order_of"].map((name, i) =>
      typeof name === "string" && byId.has(idOf(name)) ? idOf(name) : fail(["resolve", "power_order_of", i], "unknown event"),
    );
    question = { kind: "power_order", eventIds: ids };
  } else {
    return fail(["resolve"], "expected state_sets, state_at or power_order_of");
  }

  const expectedRaw = json["expected"];
  if (!isJsonObject(expectedRaw)) return fail(["expected"], "expected an object");
  const expected: StateResFixture["expected"] = {};
  if (expectedRaw["state"] !== undefined) {
    const state = new Map<StateMapKey, string>();
    const byType = expectedRaw["state"];
    if (!isJsonObject(byType)) return fail(["expected", "state"], "expected {type: {state_key: event name}}");
    for (const [type, byKey] of Object.entries(byType)) {
      if (!isJsonObject(byKey)) return fail(["expected", "state", type], "expected {state_key: event name}");
      for (const [stateKey, name] of Object.entries(byKey)) {
        if (typeof name !== "string" || !byId.has(idOf(name))) fail(["expected", "state", type, stateKey], `unknown event ${JSON.stringify(name)}`);
        state.set(stateMapKey(type, stateKey), idOf(name as string));
      }
    }
    expected.state = state;
  }
  const nameList = (key: string): string[] | undefined => {
    const value = expectedRaw[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) return fail(["expected", key], "expected an array of event names");
    return value.map((name, i) => (typeof name === "string" && byId.has(idOf(name)) ? idOf(name) : fail(["expected", key, i], "unknown event")));
  };
  const difference = nameList("auth_difference");
  if (difference) expected.authDifference = new Set(difference);
  const powerOrder = nameList("power_order");
  if (powerOrder) expected.powerOrder = powerOrder;
  if (!expected.state && !expected.authDifference && !expected.powerOrder) {
    return fail(["expected"], "expected state, auth_difference or power_order");
  }
  return {
    description: typeof json["description"] === "string" ? json["description"] : "",
    source: typeof json["source"] === "string" ? json["source"] : undefined,
    roomVersion,
    roomId,
    events,
    rejected,
    question,
    expected,
  };
}

export interface FixtureDifference {
  /** `(type, state_key)` for state, or a label for orderings and sets. */
  key: string;
  expected: string | undefined;
  actual: string | undefined;
  /** Why the resolver chose what it did: the ordering position and failing auth rule of each side. */
  explanation: string[];
}

export interface FixtureOutcome {
  roomVersion: string;
  resolved: Map<StateMapKey, string> | undefined;
  authDifference: Set<string> | undefined;
  powerOrder: string[] | undefined;
  /** The resolution that produced `resolved` (for `state_at`, the one at that event). */
  trace: ResolutionTrace | undefined;
  /** For `state_at`: events that failed auth against the state before them while walking the DAG. */
  walkRejections: Map<string, AuthResult>;
  differences: FixtureDifference[];
  passed: boolean;
}

/** Computes what the fixture asks, optionally under another room version, and compares with its expectation. */
export function runStateResFixture(fixture: StateResFixture, options: { roomVersion?: string } = {}): FixtureOutcome {
  const version = options.roomVersion ?? fixture.roomVersion;
  const rules = resolveRoomVersion(version);
  const lookup = toEventLookup(fixture.events);
  // Fixture events are unsigned templates; a replay signs them, so signatures count as present.
  const resolveOptions = { rejected: fixture.rejected, authCheck: { isSignedBy: () => true } };
  const outcome: FixtureOutcome = {
    roomVersion: version,
    resolved: undefined,
    authDifference: undefined,
    powerOrder: undefined,
    trace: undefined,
    walkRejections: new Map(),
    differences: [],
    passed: true,
  };
  const question = fixture.question;
  if (question.kind === "state_sets") {
    outcome.trace = resolveStateWithTrace(question.stateSets, lookup, rules, resolveOptions);
    outcome.resolved = outcome.trace.resolved;
  } else if (question.kind === "state_at") {
    const { state, trace, walkRejections } = stateAfter(question.eventId, lookup, version, resolveOptions);
    outcome.resolved = state;
    outcome.trace = trace;
    outcome.walkRejections = walkRejections;
  } else if (question.kind === "auth_difference") {
    outcome.authDifference = authDifference(
      question.stateSets.map((set) => set.values()),
      lookup,
    );
  } else {
    outcome.powerOrder = reverseTopologicalPowerOrder(question.eventIds, lookup, rules);
  }

  const { expected } = fixture;
  if (expected.state && outcome.resolved) {
    for (const key of new Set([...expected.state.keys(), ...outcome.resolved.keys()])) {
      const want = expected.state.get(key);
      const got = outcome.resolved.get(key);
      if (want !== got) {
        const [type, stateKey] = splitStateMapKey(key);
        outcome.differences.push({
          key: `(${type}, ${JSON.stringify(stateKey)})`,
          expected: want && eventName(want),
          actual: got && eventName(got),
          explanation: [want, got].filter((id): id is string => id !== undefined).map((id) => {
            const walked = outcome.walkRejections.get(id);
            return walked && !walked.allowed
              ? `${eventName(id)}: rejected against the state before it, ${describeResult(walked)}`
              : explainEvent(id, outcome.trace);
          }),
        });
      }
    }
  }
  if (expected.authDifference && outcome.authDifference) {
    const want = [...expected.authDifference].map(eventName).sort(compareCodepoints).join(", ");
    const got = [...outcome.authDifference].map(eventName).sort(compareCodepoints).join(", ");
    if (want !== got) outcome.differences.push({ key: "auth difference", expected: want, actual: got, explanation: [] });
  }
  if (expected.powerOrder && outcome.powerOrder) {
    const want = expected.powerOrder.map(eventName).join(", ");
    const got = outcome.powerOrder.map(eventName).join(", ");
    if (want !== got) outcome.differences.push({ key: "reverse topological power order", expected: want, actual: got, explanation: [] });
  }
  outcome.passed = outcome.differences.length === 0;
  return outcome;
}

/** One line on what happened to `eventId` in a resolution: where it was ordered and how its auth check went. */
export function explainEvent(eventId: string, trace: ResolutionTrace | undefined): string {
  const name = eventName(eventId);
  if (!trace) return `${name}: no resolution took place at this point`;
  if ([...trace.unconflicted.values()].includes(eventId)) {
    return `${name}: unconflicted, kept as is`;
  }
  if (!trace.fullConflictedSet.has(eventId)) return `${name}: not in the full conflicted set, so never considered`;
  const powerIndex = trace.powerOrder.indexOf(eventId);
  const mainlineIndex = trace.mainlineOrder.indexOf(eventId);
  const position =
    powerIndex >= 0
      ? `power ordering ${powerIndex + 1}/${trace.powerOrder.length}`
      : `mainline ordering ${mainlineIndex + 1}/${trace.mainlineOrder.length}`;
  const check = trace.checks.find((entry) => entry.eventId === eventId);
  if (!check) return `${name}: ${position}, not auth-checked`;
  return `${name}: ${position}, ${describeResult(check.result)}`;
}

function describeResult(result: AuthResult): string {
  return result.allowed ? "allowed by the auth rules" : `rejected by rule ${result.rule} (${result.reason})`;
}

/**
 * The state after `eventId` (rooms/v2 "State resolution": S′(E) from the resolution of its
 * prev_events' states). A state event joins the state only if it passes auth against the state before it.
 */
export function stateAfter(
  eventId: string,
  events: EventLookup,
  version: string,
  resolveOptions: Parameters<typeof resolveStateWithTrace>[3],
): { state: Map<StateMapKey, string>; trace: ResolutionTrace | undefined; walkRejections: Map<string, AuthResult> } {
  const walkRejections = new Map<string, AuthResult>();
  const rules = resolveRoomVersion(version);
  const ancestors = new Set<string>();
  const stack = [eventId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (ancestors.has(id)) continue;
    ancestors.add(id);
    for (const prev of referencedEventIds(events.get(id)?.prev_events)) stack.push(prev);
  }
  const order = lexicographicalTopologicalSort(
    ancestors,
    (id) => referencedEventIds(events.get(id)?.prev_events),
    (a, b) => (events.get(a)!.origin_server_ts - events.get(b)!.origin_server_ts) || compareCodepoints(a, b),
  );
  const after = new Map<string, Map<StateMapKey, string>>();
  let traceAtTarget: ResolutionTrace | undefined;
  for (const id of order) {
    const event = events.get(id)!;
    const prevs = referencedEventIds(event.prev_events);
    let before: Map<StateMapKey, string>;
    if (prevs.length === 0) before = new Map();
    else if (prevs.length === 1) before = new Map(after.get(prevs[0]!)!);
    else {
      const trace = resolveStateWithTrace(prevs.map((prev) => after.get(prev)!), events, rules, resolveOptions);
      if (id === eventId) traceAtTarget = trace;
      before = trace.resolved;
    }
    const state = new Map(before);
    if (event.state_key !== undefined) {
      const authState = new Map<StateMapKey, RoomEvent>();
      for (const key of [...authTypesFor(event, rules), stateMapKey("m.room.create", "")]) {
        const current = before.get(key);
        if (current !== undefined) authState.set(key, events.get(current)!);
      }
      const result = authCheck(event, authState, rules, resolveOptions?.authCheck);
      if (result.allowed) state.set(stateMapKey(event.type, event.state_key), id);
      else walkRejections.set(id, result);
    }
    after.set(id, state);
  }
  return { state: after.get(eventId)!, trace: traceAtTarget, walkRejections };
}
