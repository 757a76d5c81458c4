import { isJsonObject, type JsonObject, type JsonValue } from "./json.ts";

// The PDU shape (server-server API, "PDUs"; rooms/v*.md "Event format"). Rooms v1–2 reference
// other events as `[event_id, {sha256}]` pairs; v3+ as plain event ID strings.

export type EventReference = string | [string, JsonObject] | readonly [string, JsonValue];

/** A persistent data unit as it travels over federation; extra keys are kept as-is. */
export interface Pdu extends JsonObject {
  type: string;
  sender: string;
  content: JsonObject;
  origin_server_ts: number;
}

/** An event whose ID is known (carried in v1–2 PDUs, computed for v3+), as state and auth code needs. */
export interface RoomEvent {
  readonly event_id: string;
  readonly type: string;
  readonly state_key?: string | undefined;
  readonly sender: string;
  readonly room_id?: string | undefined;
  readonly content: JsonObject;
  readonly prev_events: readonly EventReference[];
  readonly auth_events: readonly EventReference[];
  readonly origin_server_ts: number;
  readonly depth?: number | undefined;
  readonly redacts?: string | undefined;
  readonly signatures?: JsonObject | undefined;
}

/** The event IDs in a `prev_events` / `auth_events` list, whichever format the room version uses. */
export function referencedEventIds(references: readonly EventReference[] | undefined): string[] {
  if (!references) return [];
  const ids: string[] = [];
  for (const reference of references) {
    if (typeof reference === "string") ids.push(reference);
    else if (Array.isArray(reference) && typeof reference[0] === "string") ids.push(reference[0]);
  }
  return ids;
}

/** State map keys are `(type, state_key)` pairs, encoded as one string for use in Maps. */
export type StateMapKey = string;

const SEPARATOR = "\u0000";

export function stateMapKey(type: string, stateKey: string): StateMapKey {
  return type + SEPARATOR + stateKey;
}

export function splitStateMapKey(key: StateMapKey): [type: string, stateKey: string] {
  const at = key.indexOf(SEPARATOR);
  return at < 0 ? [key, ""] : [key.slice(0, at), key.slice(at + 1)];
}

export function isStateEvent(event: { state_key?: unknown }): boolean {
  return typeof event.state_key === "string";
}

export function stateMapKeyOf(event: RoomEvent): StateMapKey | undefined {
  return event.state_key === undefined ? undefined : stateMapKey(event.type, event.state_key);
}

/** The server name part of a user ID, room ID or v1–2 event ID (`@alice:example.com:8448` → `example.com:8448`). */
export function domainOf(identifier: string): string {
  const colon = identifier.indexOf(":");
  return colon < 0 ? "" : identifier.slice(colon + 1);
}

// User IDs (appendices, "User Identifiers"): `@localpart:server_name`; historical localparts may
// contain any printable ASCII except `:`, which servers must still accept from federation.
const USER_ID = /^@[\x21-\x39\x3b-\x7e]+:[A-Za-z0-9.\-[\]:]+$/;

export function isValidUserId(value: unknown): value is string {
  return typeof value === "string" && value.length <= 255 && USER_ID.test(value);
}

export function contentString(event: { content: JsonObject }, key: string): string | undefined {
  const value = event.content[key];
  return typeof value === "string" ? value : undefined;
}

export function membershipOf(event: { content: JsonObject } | undefined): string | undefined {
  return event ? contentString(event, "membership") : undefined;
}

export function asJsonObject(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}
