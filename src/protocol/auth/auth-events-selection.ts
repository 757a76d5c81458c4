import { stateMapKey, type RoomEvent, type StateMapKey } from "../event.ts";
import { isJsonObject } from "../json.ts";
import { roomVersion as resolveRoomVersion, type RoomVersion } from "../room-versions.ts";

// Auth events selection (server-server API, "Auth events selection"): which current state
// events an event must cite in `auth_events`.

type EventShape = Pick<RoomEvent, "type" | "sender" | "content"> & { state_key?: string | undefined };

/** The `(type, state_key)` keys whose current events belong in the event's `auth_events`. */
export function authTypesFor(event: EventShape, version: string | RoomVersion): StateMapKey[] {
  const rules = resolveRoomVersion(version);
  if (event.type === "m.room.create") return [];
  const keys: StateMapKey[] = [];
  // v12: the room ID stands for the create event, which is never cited (rooms/v12.md rule 3.2).
  if (!rules.roomIdIsCreateEventHash) keys.push(stateMapKey("m.room.create", ""));
  keys.push(stateMapKey("m.room.power_levels", ""), stateMapKey("m.room.member", event.sender));
  if (event.type === "m.room.member" && event.state_key !== undefined) {
    const target = stateMapKey("m.room.member", event.state_key);
    if (!keys.includes(target)) keys.push(target);
    const membership = event.content["membership"];
    if (membership === "join" || membership === "invite" || (membership === "knock" && rules.knocking)) {
      keys.push(stateMapKey("m.room.join_rules", ""));
    }
    const thirdPartyInvite = event.content["third_party_invite"];
    if (membership === "invite" && isJsonObject(thirdPartyInvite)) {
      const signed = thirdPartyInvite["signed"];
      if (isJsonObject(signed) && typeof signed["token"] === "string") {
        keys.push(stateMapKey("m.room.third_party_invite", signed["token"]));
      }
    }
    const authoriser = event.content["join_authorised_via_users_server"];
    if (rules.restrictedJoins && typeof authoriser === "string") {
      const key = stateMapKey("m.room.member", authoriser);
      if (!keys.includes(key)) keys.push(key);
    }
  }
  return keys;
}

/**
 * The event IDs to put in `auth_events`, picked from `state` (a map from state key to event or
 * event ID). Keys missing from the state are simply absent.
 */
export function authEventsFor(
  event: EventShape,
  state: ReadonlyMap<StateMapKey, RoomEvent | string>,
  version: string | RoomVersion,
): string[] {
  const ids: string[] = [];
  for (const key of authTypesFor(event, version)) {
    const entry = state.get(key);
    if (entry !== undefined) ids.push(typeof entry === "string" ? entry : entry.event_id);
  }
  return ids;
}
