import { powerLevelsFrom, userPowerLevel } from "../auth/power-levels.ts";
import { compareCodepoints } from "../canonical-json.ts";
import type { RoomEvent } from "../event.ts";
import type { RoomVersion } from "../room-versions.ts";
import { authEventIdsOf, type EventLookup } from "./event-graph.ts";
import { lexicographicalTopologicalSort } from "./topological-sort.ts";
import { createEventFor } from "./room-create.ts";

/**
 * Power events (rooms/v2 "Power events"): power levels, join rules, and kicks or bans of another
 * user. The create event counts too, as in Synapse, though it is rarely conflicted.
 */
export function isPowerEvent(event: RoomEvent): boolean {
  if (event.state_key === undefined) return false;
  if (event.type === "m.room.power_levels" || event.type === "m.room.join_rules" || event.type === "m.room.create") {
    return event.state_key === "";
  }
  if (event.type === "m.room.member") {
    const membership = event.content["membership"];
    return (membership === "leave" || membership === "ban") && event.sender !== event.state_key;
  }
  return false;
}

/**
 * The sender's power level as the event's own `auth_events` grant it (not its content): the cited
 * power levels event, or the creator rule when there is none; v12 creators are infinite.
 */
export function senderPowerFromAuthEvents(event: RoomEvent, events: EventLookup, rules: RoomVersion): number {
  let powerLevels: RoomEvent | undefined;
  let create: RoomEvent | undefined;
  for (const id of authEventIdsOf(event)) {
    const authEvent = events.get(id);
    if (!authEvent || authEvent.state_key !== "") continue;
    if (authEvent.type === "m.room.power_levels") powerLevels = authEvent;
    else if (authEvent.type === "m.room.create") create = authEvent;
  }
  create ??= createEventFor(event, events, rules);
  return userPowerLevel(powerLevelsFrom(powerLevels, create, rules), event.sender);
}

/**
 * Reverse topological power ordering: parents first; among ready events, higher sender power,
 * then earlier `origin_server_ts`, then smaller `event_id`.
 */
export function reverseTopologicalPowerOrder(eventIds: Iterable<string>, events: EventLookup, rules: RoomVersion): string[] {
  const ids = [...eventIds];
  const power = new Map<string, number>();
  for (const id of ids) {
    const event = events.get(id);
    power.set(id, event ? senderPowerFromAuthEvents(event, events, rules) : 0);
  }
  return lexicographicalTopologicalSort(
    ids,
    (id) => {
      const event = events.get(id);
      return event ? authEventIdsOf(event) : [];
    },
    (a, b) => {
      const powerA = power.get(a)!;
      const powerB = power.get(b)!;
      if (powerA !== powerB) return powerA > powerB ? -1 : 1;
      const tsA = events.get(a)?.origin_server_ts ?? 0;
      const tsB = events.get(b)?.origin_server_ts ?? 0;
      if (tsA !== tsB) return tsA - tsB;
      return compareCodepoints(a, b);
    },
  );
}
