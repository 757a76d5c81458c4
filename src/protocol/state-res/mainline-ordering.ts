import { compareCodepoints } from "../canonical-json.ts";
import type { RoomEvent } from "../event.ts";
import { authEventIdsOf, type EventLookup } from "./event-graph.ts";

function powerLevelsParentOf(event: RoomEvent, events: EventLookup): RoomEvent | undefined {
  for (const id of authEventIdsOf(event)) {
    const parent = events.get(id);
    if (parent?.type === "m.room.power_levels" && parent.state_key === "") return parent;
  }
  return undefined;
}

/** The mainline of `powerLevels` (rooms/v2 "Mainline ordering"): it, its power levels auth event, and so on. */
export function mainlineOf(powerLevels: RoomEvent | undefined, events: EventLookup): string[] {
  const mainline: string[] = [];
  const seen = new Set<string>();
  for (let current = powerLevels; current && !seen.has(current.event_id); current = powerLevelsParentOf(current, events)) {
    seen.add(current.event_id);
    mainline.push(current.event_id);
  }
  return mainline;
}

/**
 * Orders events by mainline position (older power epochs first; ∞ — no power levels event on the
 * mainline — before all), then `origin_server_ts`, then `event_id`. Positions are memoised per
 * power levels event, so a long chain is walked once.
 */
export function mainlineOrder(eventIds: Iterable<string>, powerLevels: RoomEvent | undefined, events: EventLookup): string[] {
  const position = new Map<string, number>();
  mainlineOf(powerLevels, events).forEach((id, index) => position.set(id, index));
  const positionOfPowerLevels = (start: RoomEvent | undefined): number => {
    const walked: string[] = [];
    let found = Number.POSITIVE_INFINITY;
    for (let current = start; current; current = powerLevelsParentOf(current, events)) {
      const known = position.get(current.event_id);
      if (known !== undefined) {
        found = known;
        break;
      }
      walked.push(current.event_id);
      position.set(current.event_id, Number.POSITIVE_INFINITY); // guards against cycles
    }
    for (const id of walked) position.set(id, found);
    return found;
  };
  const keyed = [...eventIds].map((id) => {
    const event = events.get(id);
    // The event itself is not on its own list; its first power levels auth event starts the walk.
    const mainlinePosition = event ? positionOfPowerLevels(powerLevelsParentOf(event, events)) : Number.POSITIVE_INFINITY;
    return { id, mainlinePosition, ts: event?.origin_server_ts ?? 0 };
  });
  keyed.sort((a, b) => {
    if (a.mainlinePosition !== b.mainlinePosition) return a.mainlinePosition > b.mainlinePosition ? -1 : 1;
    if (a.ts !== b.ts) return a.ts - b.ts;
    return compareCodepoints(a.id, b.id);
  });
  return keyed.map((entry) => entry.id);
}
