import { stateMapKey, type RoomEvent, type StateMapKey } from "../event.ts";

/** The state an event is authorised against, keyed by `(type, state_key)`. */
export type AuthState = ReadonlyMap<StateMapKey, RoomEvent>;

/** Accepts a keyed map or a plain list of state events. */
export function toAuthState(state: AuthState | Iterable<RoomEvent>): AuthState {
  if (state instanceof Map) return state;
  const map = new Map<StateMapKey, RoomEvent>();
  for (const event of state as Iterable<RoomEvent>) {
    if (event.state_key !== undefined) map.set(stateMapKey(event.type, event.state_key), event);
  }
  return map;
}

export function createEventOf(state: AuthState): RoomEvent | undefined {
  return state.get(stateMapKey("m.room.create", ""));
}

export function powerLevelsEventOf(state: AuthState): RoomEvent | undefined {
  return state.get(stateMapKey("m.room.power_levels", ""));
}

export function joinRulesEventOf(state: AuthState): RoomEvent | undefined {
  return state.get(stateMapKey("m.room.join_rules", ""));
}

export function memberEventOf(state: AuthState, userId: string): RoomEvent | undefined {
  return state.get(stateMapKey("m.room.member", userId));
}
