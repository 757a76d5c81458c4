import { referencedEventIds, type RoomEvent } from "../event.ts";

/** Events by ID, as state resolution reads them. */
export type EventLookup = ReadonlyMap<string, RoomEvent>;

export function toEventLookup(events: EventLookup | Iterable<RoomEvent>): EventLookup {
  if (events instanceof Map) return events;
  const map = new Map<string, RoomEvent>();
  for (const event of events as Iterable<RoomEvent>) map.set(event.event_id, event);
  return map;
}

const authIdCache = new WeakMap<RoomEvent, readonly string[]>();

/** The event's `auth_events` as IDs, memoised because every step walks them. */
export function authEventIdsOf(event: RoomEvent): readonly string[] {
  let ids = authIdCache.get(event);
  if (!ids) {
    ids = referencedEventIds(event.auth_events);
    authIdCache.set(event, ids);
  }
  return ids;
}

/**
 * Every event reachable from `start` through `auth_events` links, including the start events
 * themselves; events missing from `events` end the walk there. Linear in the chain's size.
 */
export function authClosure(start: Iterable<string>, events: EventLookup): Set<string> {
  const seen = new Set<string>();
  const stack: string[] = [];
  for (const id of start) {
    if (!seen.has(id)) {
      seen.add(id);
      stack.push(id);
    }
  }
  while (stack.length > 0) {
    const event = events.get(stack.pop()!);
    if (!event) continue;
    for (const parent of authEventIdsOf(event)) {
      if (!seen.has(parent)) {
        seen.add(parent);
        stack.push(parent);
      }
    }
  }
  return seen;
}

/**
 * Auth difference (rooms/v2 "Auth difference"): events in some state set's full auth chain but not
 * in all of them. Each chain includes the state events themselves, as Synapse computes it.
 */
export function authDifference(stateSets: readonly Iterable<string>[], events: EventLookup): Set<string> {
  const counts = new Map<string, number>();
  for (const set of stateSets) {
    for (const id of authClosure(set, events)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const difference = new Set<string>();
  for (const [id, count] of counts) if (count < stateSets.length) difference.add(id);
  return difference;
}

/**
 * Conflicted state subgraph (rooms/v12 "Conflicted state subgraph"): events on some `auth_events`
 * path from one conflicted event to another, endpoints included. Reachable-from ∩ reaching-to.
 */
export function conflictedSubgraph(conflicted: ReadonlySet<string>, events: EventLookup): Set<string> {
  const below = authClosure(conflicted, events);
  const children = new Map<string, string[]>();
  for (const id of below) {
    const event = events.get(id);
    if (!event) continue;
    for (const parent of authEventIdsOf(event)) {
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(id);
    }
  }
  const subgraph = new Set<string>();
  const stack: string[] = [];
  for (const id of conflicted) {
    if (below.has(id) && !subgraph.has(id)) {
      subgraph.add(id);
      stack.push(id);
    }
  }
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      if (!subgraph.has(child)) {
        subgraph.add(child);
        stack.push(child);
      }
    }
  }
  return subgraph;
}
