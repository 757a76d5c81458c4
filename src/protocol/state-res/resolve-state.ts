import type { AuthCheckOptions } from "../auth/auth-rules.ts";
import { stateMapKey, type RoomEvent, type StateMapKey } from "../event.ts";
import { roomVersion as resolveRoomVersion, type RoomVersion } from "../room-versions.ts";
import { authClosure, authDifference, conflictedSubgraph, toEventLookup, type EventLookup } from "./event-graph.ts";
import { iterativeAuthChecks, type IterativeCheck } from "./iterative-auth-checks.ts";
import { mainlineOrder } from "./mainline-ordering.ts";
import { isPowerEvent, reverseTopologicalPowerOrder } from "./power-ordering.ts";

// State resolution v2 (rooms/v2.md "State resolution", rooms 2–11) and v2.1 (rooms/v12.md):
// v2.1 adds the conflicted state subgraph and replays power events from an empty state.

/** A room state: `(type, state_key)` key → event ID. */
export type StateMap = ReadonlyMap<StateMapKey, string>;

export interface ResolveStateOptions {
  /** Events rejected against their auth chain: never used, not even as fallback auth events. */
  rejected?: ReadonlySet<string>;
  /** Passed to every auth check (e.g. how to verify a restricted join's authorising signature). */
  authCheck?: AuthCheckOptions;
}

export interface ResolutionTrace {
  algorithm: "v2" | "v2.1";
  unconflicted: Map<StateMapKey, string>;
  conflicted: Set<string>;
  authDifference: Set<string>;
  /** v2.1 only; empty for v2. */
  conflictedSubgraph: Set<string>;
  fullConflictedSet: Set<string>;
  /** Step 1: power events and their conflicted auth ancestors, in reverse topological power order. */
  powerOrder: string[];
  /** Step 3: the remaining events in mainline order. */
  mainlineOrder: string[];
  /** Every iterative auth check, in order, with its outcome. */
  checks: (IterativeCheck & { step: "power" | "mainline" })[];
  resolved: Map<StateMapKey, string>;
}

/** Resolves `stateSets` into one state for the room version (v2 for rooms 2–11, v2.1 for 12). */
export function resolveState(
  stateSets: readonly StateMap[],
  events: EventLookup | Iterable<RoomEvent>,
  version: string | RoomVersion,
  options: ResolveStateOptions = {},
): Map<StateMapKey, string> {
  return resolveStateWithTrace(stateSets, events, version, options).resolved;
}

/** `resolveState` with every intermediate set and ordering, for explaining a result. */
export function resolveStateWithTrace(
  stateSets: readonly StateMap[],
  events: EventLookup | Iterable<RoomEvent>,
  version: string | RoomVersion,
  options: ResolveStateOptions = {},
): ResolutionTrace {
  const rules = resolveRoomVersion(version);
  if (rules.stateResolution === "v1") {
    throw new Error(`room version ${rules.id} uses state resolution v1, which this resolver does not implement`);
  }
  const algorithm = rules.stateResolution;
  const lookup = toEventLookup(events);
  const rejected = options.rejected ?? new Set<string>();
  const { unconflicted, conflicted } = separate(stateSets);
  const trace: ResolutionTrace = {
    algorithm,
    unconflicted,
    conflicted,
    authDifference: new Set(),
    conflictedSubgraph: new Set(),
    fullConflictedSet: new Set(),
    powerOrder: [],
    mainlineOrder: [],
    checks: [],
    resolved: new Map(unconflicted),
  };
  if (conflicted.size === 0) return trace;

  trace.authDifference = authDifference(
    stateSets.map((set) => set.values()),
    lookup,
  );
  if (algorithm === "v2.1") trace.conflictedSubgraph = conflictedSubgraph(conflicted, lookup);
  // Events we do not have, or that failed against their auth chain, take no part (rooms/v2 "Rejected events").
  const full = new Set<string>();
  for (const source of [conflicted, trace.authDifference, trace.conflictedSubgraph]) {
    for (const id of source) if (lookup.has(id) && !rejected.has(id)) full.add(id);
  }
  trace.fullConflictedSet = full;

  // Step 1: power events plus the events of their auth chains that are in the full conflicted set.
  const powerEvents = [...full].filter((id) => isPowerEvent(lookup.get(id)!));
  const powerSet = new Set(powerEvents);
  for (const id of authClosure(powerEvents, lookup)) if (full.has(id)) powerSet.add(id);
  trace.powerOrder = reverseTopologicalPowerOrder(powerSet, lookup, rules);

  // Step 2: v2 starts from the unconflicted state; v2.1 from nothing (MSC4297).
  const start = algorithm === "v2.1" ? new Map<StateMapKey, string>() : new Map(unconflicted);
  const partial = iterativeAuthChecks(trace.powerOrder, start, lookup, rules, rejected, options.authCheck, (check) =>
    trace.checks.push({ ...check, step: "power" }),
  );

  // Step 3: everything else, by the mainline of the partially resolved power levels.
  const powerLevelsId = partial.get(stateMapKey("m.room.power_levels", ""));
  const leftovers = [...full].filter((id) => !powerSet.has(id));
  trace.mainlineOrder = mainlineOrder(leftovers, powerLevelsId === undefined ? undefined : lookup.get(powerLevelsId), lookup);

  // Step 4.
  const resolved = iterativeAuthChecks(trace.mainlineOrder, partial, lookup, rules, rejected, options.authCheck, (check) =>
    trace.checks.push({ ...check, step: "mainline" }),
  );
  // Step 5: the unconflicted state map always wins.
  for (const [key, id] of unconflicted) resolved.set(key, id);
  trace.resolved = resolved;
  return trace;
}

/**
 * Unconflicted state map and conflicted state set: a key with the same event in every set is
 * unconflicted; every event of any other key (including keys some sets lack) is conflicted.
 */
export function separate(stateSets: readonly StateMap[]): { unconflicted: Map<StateMapKey, string>; conflicted: Set<string> } {
  const unconflicted = new Map<StateMapKey, string>();
  const conflicted = new Set<string>();
  const [first, ...rest] = stateSets;
  if (!first) return { unconflicted, conflicted };
  const keys = new Set<StateMapKey>();
  for (const set of stateSets) for (const key of set.keys()) keys.add(key);
  for (const key of keys) {
    const value = first.get(key);
    if (value !== undefined && rest.every((set) => set.get(key) === value)) {
      unconflicted.set(key, value);
      continue;
    }
    for (const set of stateSets) {
      const id = set.get(key);
      if (id !== undefined) conflicted.add(id);
    }
  }
  return { unconflicted, conflicted };
}
