import { authTypesFor } from "../auth/auth-events-selection.ts";
import { authCheck, type AuthCheckOptions, type AuthResult } from "../auth/auth-rules.ts";
import { stateMapKey, type RoomEvent, type StateMapKey } from "../event.ts";
import type { RoomVersion } from "../room-versions.ts";
import { authEventIdsOf, type EventLookup } from "./event-graph.ts";
import { createEventFor } from "./room-create.ts";

export interface IterativeCheck {
  eventId: string;
  result: AuthResult;
}

const CREATE_KEY = stateMapKey("m.room.create", "");

/**
 * Iterative auth checks (rooms/v2 "Iterative auth checks"): apply each event in order if the auth
 * rules allow it against the state so far, falling back to its own non-rejected auth events for
 * keys the state lacks. Mutates and returns `state`.
 */
export function iterativeAuthChecks(
  ordered: readonly string[],
  state: Map<StateMapKey, string>,
  events: EventLookup,
  rules: RoomVersion,
  rejected: ReadonlySet<string>,
  authOptions: AuthCheckOptions | undefined,
  record?: (check: IterativeCheck) => void,
): Map<StateMapKey, string> {
  for (const eventId of ordered) {
    const event = events.get(eventId);
    if (!event || event.state_key === undefined) continue;
    const authState = new Map<StateMapKey, RoomEvent>();
    for (const id of authEventIdsOf(event)) {
      const authEvent = events.get(id);
      if (authEvent && authEvent.state_key !== undefined && !rejected.has(id)) {
        authState.set(stateMapKey(authEvent.type, authEvent.state_key), authEvent);
      }
    }
    const keys = authTypesFor(event, rules);
    if (rules.roomIdIsCreateEventHash) keys.push(CREATE_KEY);
    for (const key of keys) {
      const id = state.get(key);
      const current = id === undefined || rejected.has(id) ? undefined : events.get(id);
      if (current) authState.set(key, current);
    }
    // v12: events never cite the create event; the room ID names it.
    if (!authState.has(CREATE_KEY)) {
      const create = createEventFor(event, events, rules);
      if (create && !rejected.has(create.event_id)) authState.set(CREATE_KEY, create);
    }
    const result = authCheck(event, authState, rules, authOptions);
    if (result.allowed) state.set(stateMapKey(event.type, event.state_key), eventId);
    record?.({ eventId, result });
  }
  return state;
}
