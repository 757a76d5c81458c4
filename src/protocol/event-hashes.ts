import { createHash } from "node:crypto";
import { encodeBase64, encodeBase64Url } from "./base64.ts";
import { canonicalJsonBytes } from "./canonical-json.ts";
import { isJsonObject, type JsonObject } from "./json.ts";
import { redactEvent } from "./redaction.ts";
import { roomVersion as resolveRoomVersion, type RoomVersion } from "./room-versions.ts";

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash("sha256").update(bytes).digest();
}

/**
 * Content hash (server-server API, "Calculating the content hash for an event"): SHA-256 of the
 * canonical event without `unsigned`, `signatures` and `hashes`, as unpadded standard base64.
 */
export function computeContentHash(event: JsonObject): string {
  const { unsigned: _unsigned, signatures: _signatures, hashes: _hashes, ...rest } = event;
  return encodeBase64(sha256(canonicalJsonBytes(rest)));
}

/** The reference hash's raw SHA-256 bytes (server-server API, "Calculating the reference hash"). */
export function referenceHashBytes(event: JsonObject, version: string | RoomVersion): Uint8Array {
  const rules = resolveRoomVersion(version);
  const redacted = redactEvent(event, rules);
  delete redacted["signatures"];
  delete redacted["unsigned"];
  // An event ID derived from the hash cannot be an input to it; v3+ PDUs carry no event_id.
  if (rules.eventIdFormat !== "opaque") delete redacted["event_id"];
  return sha256(canonicalJsonBytes(redacted));
}

/**
 * The reference hash as unpadded base64: URL-safe for rooms v4+, standard for v1–3 (where it
 * appears in `prev_events` pairs or, in v3, as the event ID itself).
 */
export function computeReferenceHash(event: JsonObject, version: string | RoomVersion): string {
  const rules = resolveRoomVersion(version);
  const hash = referenceHashBytes(event, rules);
  return rules.eventIdFormat === "reference-hash-url-safe" ? encodeBase64Url(hash) : encodeBase64(hash);
}

/**
 * Event ID per room version (rooms/fragments v1-event-ids, v4-event-ids; rooms/v3.md): the
 * opaque `event_id` the PDU carries in v1–2, `$` + reference hash from v3 on.
 */
export function computeEventId(event: JsonObject, version: string | RoomVersion): string {
  const rules = resolveRoomVersion(version);
  if (rules.eventIdFormat === "opaque") {
    const id = event["event_id"];
    if (typeof id !== "string") {
      throw new Error(`room version ${rules.id} events carry their own event_id, and this one has none`);
    }
    return id;
  }
  return `$${computeReferenceHash(event, rules)}`;
}

/**
 * The room ID of a v12 room: the create event's ID with sigil `!` instead of `$`
 * (appendices, "Room IDs"; rooms/v12.md). The version defaults to the create event's own
 * `content.room_version`.
 */
export function roomIdFromCreateEvent(createEvent: JsonObject, version?: string | RoomVersion): string {
  const content = isJsonObject(createEvent["content"]) ? createEvent["content"] : {};
  const declared = typeof content["room_version"] === "string" ? content["room_version"] : "12";
  const rules = resolveRoomVersion(version ?? declared);
  if (!rules.roomIdIsCreateEventHash) {
    throw new Error(`room version ${rules.id} room IDs are chosen by the creating server, not derived from the create event`);
  }
  if (createEvent["type"] !== "m.room.create") throw new Error(`expected an m.room.create event, got ${String(createEvent["type"])}`);
  return `!${computeReferenceHash(createEvent, rules)}`;
}
