import type { RoomEvent } from "../event.ts";
import type { RoomVersion } from "../room-versions.ts";
import { authEventIdsOf, type EventLookup } from "./event-graph.ts";

/**
 * The room's create event for `event`: cited in `auth_events` up to v11; named by the room ID
 * in v12, where `!x` is the create event `$x` (rooms/v12.md).
 */
export function createEventFor(event: RoomEvent, events: EventLookup, rules: RoomVersion): RoomEvent | undefined {
  if (event.type === "m.room.create") return event;
  if (rules.roomIdIsCreateEventHash) {
    return event.room_id?.startsWith("!") ? events.get(`$${event.room_id.slice(1)}`) : undefined;
  }
  for (const id of authEventIdsOf(event)) {
    const authEvent = events.get(id);
    if (authEvent?.type === "m.room.create" && authEvent.state_key === "") return authEvent;
  }
  return undefined;
}
