import { createHash } from "node:crypto";
import { encodeBase64, encodeBase64Url, redactEvent, type JsonObject, type RoomVersion } from "../protocol/index.ts";
import { signBytes, type SigningKey } from "../protocol/signing.ts";
import { rawCanonicalJsonBytes, type RawJsonObject } from "./raw-json.ts";

// Signing events (server-server API, "Signing Events") for PDUs whose numbers break canonical
// JSON: the same steps as the core's signEvent and computeEventId, over rawCanonicalJson.

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash("sha256").update(bytes).digest();
}

/** The event's redacted form; redaction only picks keys, so RawNumbers pass through it. */
function redacted(event: RawJsonObject, version: RoomVersion): RawJsonObject {
  return redactEvent(event as unknown as JsonObject, version) as unknown as RawJsonObject;
}

/** A PDU signed over its raw canonical JSON, with the ID its room version gives it. */
export interface RawPdu {
  eventId: string;
  pdu: RawJsonObject;
}

/** Sets the content hash, signs the redacted form and computes the event ID, all over rawCanonicalJson. */
export function signRawEvent(event: RawJsonObject, version: RoomVersion, serverName: string, keyId: string, key: SigningKey): RawPdu {
  const { unsigned: _unsigned, signatures: _signatures, hashes: _hashes, ...hashable } = event;
  const hashed: RawJsonObject = { ...event, hashes: { sha256: encodeBase64(sha256(rawCanonicalJsonBytes(hashable))) } };
  const { signatures: _s, unsigned: _u, ...toSign } = redacted(hashed, version);
  const signature = encodeBase64(signBytes(rawCanonicalJsonBytes(toSign), key));
  const pdu: RawJsonObject = { ...hashed, signatures: { [serverName]: { [keyId]: signature } } };
  return { eventId: rawEventId(pdu, version), pdu };
}

/** The event ID (rooms/v1 opaque, v3 standard base64, v4+ URL-safe reference hash) of a raw PDU. */
export function rawEventId(pdu: RawJsonObject, version: RoomVersion): string {
  if (version.eventIdFormat === "opaque") {
    const id = pdu["event_id"];
    if (typeof id !== "string") throw new Error(`room version ${version.id} events carry their own event_id, and this one has none`);
    return id;
  }
  const { signatures: _s, unsigned: _u, event_id: _id, ...hashed } = redacted(pdu, version);
  const hash = sha256(rawCanonicalJsonBytes(hashed));
  return `$${version.eventIdFormat === "reference-hash-url-safe" ? encodeBase64Url(hash) : encodeBase64(hash)}`;
}

/**
 * The X-Matrix Authorization value (server-server API, "Request Authentication") for a request
 * with a raw body: the signed request object is written by rawCanonicalJson.
 */
export function signRawXMatrixRequest(request: { method: string; uri: string; origin: string; destination: string; content: RawJsonObject }, keyId: string, key: SigningKey): string {
  const signed = { method: request.method.toUpperCase(), uri: request.uri, origin: request.origin, destination: request.destination, content: request.content };
  const signature = encodeBase64(signBytes(rawCanonicalJsonBytes(signed), key));
  const quote = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return `X-Matrix origin=${quote(request.origin)},destination=${quote(request.destination)},key=${quote(keyId)},sig=${quote(signature)}`;
}
