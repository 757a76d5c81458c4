import { computeContentHash } from "./event-hashes.ts";
import { decodeBase64, decodeBase64Url } from "./base64.ts";
import { domainOf } from "./event.ts";
import { isJsonObject, type JsonObject } from "./json.ts";
import { redactEvent } from "./redaction.ts";
import { roomVersion as resolveRoomVersion, type RoomVersion } from "./room-versions.ts";
import { algorithmOf, signJson, verifyJson, type SigningKey } from "./signing.ts";

// Signing events (server-server API, "Signing Events"): set the content hash, redact, sign the
// redacted form, copy the signatures back onto the full event.

/** Returns a copy of `event` with `hashes.sha256` set and this server's signature added. */
export function signEvent<T extends JsonObject>(
  event: T,
  version: string | RoomVersion,
  serverName: string,
  keyId: string,
  seed: Uint8Array | SigningKey,
): T {
  const rules = resolveRoomVersion(version);
  const hashed: JsonObject = { ...event, hashes: { ...(isJsonObject(event["hashes"]) ? event["hashes"] : {}), sha256: computeContentHash(event) } };
  const signedRedacted = signJson(redactEvent(hashed, rules), serverName, keyId, seed);
  return { ...hashed, signatures: signedRedacted["signatures"] ?? {} } as unknown as T;
}

/** A server's published key: raw bytes or unpadded base64, with the validity the server claimed. */
export interface VerifyKey {
  key: Uint8Array | string;
  /** `valid_until_ts` for current keys, `expired_ts` for old ones; absent means unbounded. */
  validUntilTs?: number;
}

/** Known keys by server name, then key ID (`ed25519:abc`). */
export type VerifyKeys = Record<string, Record<string, VerifyKey | Uint8Array | string>>;

export interface EventVerification {
  /** Every required server signed the redacted event with a known, valid key. */
  signaturesValid: boolean;
  /** `hashes.sha256` matches; when false a receiver must use the redacted event instead. */
  contentHashMatches: boolean;
  /** Servers whose signature is required (sender's; v1–2 also the event ID's; restricted-join authoriser's). */
  requiredServers: string[];
  problems: string[];
}

/**
 * Checks an event's signatures and content hash (server-server API, "Checks performed on receipt
 * of a PDU", steps 3–4). A bad signature means drop the event; a bad hash means redact it.
 */
export function verifyEvent(event: JsonObject, version: string | RoomVersion, keys: VerifyKeys): EventVerification {
  const rules = resolveRoomVersion(version);
  const signatureProblems: string[] = [];
  const requiredServers = requiredSigningServers(event, rules);
  const redacted = redactEvent(event, rules);
  const originServerTs = typeof event["origin_server_ts"] === "number" ? event["origin_server_ts"] : 0;

  for (const server of requiredServers) {
    const signatures = isJsonObject(event["signatures"]) ? event["signatures"][server] : undefined;
    if (!isJsonObject(signatures)) {
      signatureProblems.push(`no signature from ${server}`);
      continue;
    }
    let verified = false;
    const attempts: string[] = [];
    for (const keyId of Object.keys(signatures)) {
      if (algorithmOf(keyId) !== "ed25519") continue;
      const known = keys[server]?.[keyId];
      if (known === undefined) {
        attempts.push(`${keyId} is not a known key of ${server}`);
        continue;
      }
      const { publicKey, validUntilTs } = normaliseKey(known);
      // v5+: the key must have been valid when the event was sent (v5-signing-requirements).
      if (rules.enforceKeyValidity && validUntilTs !== undefined && validUntilTs < originServerTs) {
        attempts.push(`${server} ${keyId} expired at ${validUntilTs}, before origin_server_ts ${originServerTs}`);
        continue;
      }
      if (publicKey && verifyJson(redacted, server, keyId, publicKey)) {
        verified = true;
        break;
      }
      attempts.push(`${server} ${keyId} signature does not verify`);
    }
    if (!verified) signatureProblems.push(attempts.length > 0 ? attempts.join("; ") : `no ed25519 signature from ${server}`);
  }

  const problems = [...signatureProblems];
  const hashes = isJsonObject(event["hashes"]) ? event["hashes"] : {};
  let contentHashMatches = false;
  try {
    contentHashMatches = hashes["sha256"] === computeContentHash(event);
  } catch (error) {
    problems.push(`content hash cannot be computed: ${(error as Error).message}`);
  }
  if (!contentHashMatches) problems.push("content hash does not match hashes.sha256");

  return { signaturesValid: requiredServers.length > 0 && signatureProblems.length === 0, contentHashMatches, requiredServers, problems };
}

function requiredSigningServers(event: JsonObject, rules: RoomVersion): string[] {
  const servers = new Set<string>();
  if (typeof event["sender"] === "string") servers.add(domainOf(event["sender"]));
  const content = isJsonObject(event["content"]) ? event["content"] : {};
  // v1–2 event IDs name their origin server, which must sign too — except for third-party invites,
  // whose event is created by the inviting server on behalf of another.
  const isThirdPartyInvite = event["type"] === "m.room.member" && content["third_party_invite"] !== undefined;
  if (rules.eventIdFormat === "opaque" && typeof event["event_id"] === "string" && !isThirdPartyInvite) {
    servers.add(domainOf(event["event_id"]));
  }
  // v8+: a restricted join must also be signed by the authorising user's server (auth rule 4.2).
  const authoriser = content["join_authorised_via_users_server"];
  if (rules.restrictedJoins && event["type"] === "m.room.member" && typeof authoriser === "string") {
    servers.add(domainOf(authoriser));
  }
  servers.delete("");
  return [...servers];
}

function normaliseKey(known: VerifyKey | Uint8Array | string): { publicKey: Uint8Array | undefined; validUntilTs: number | undefined } {
  const entry = known instanceof Uint8Array || typeof known === "string" ? { key: known } : known;
  let publicKey: Uint8Array | undefined;
  if (entry.key instanceof Uint8Array) publicKey = entry.key;
  else {
    try {
      publicKey = /[-_]/.test(entry.key) ? decodeBase64Url(entry.key) : decodeBase64(entry.key);
    } catch {
      publicKey = undefined;
    }
  }
  return { publicKey, validUntilTs: entry.validUntilTs };
}
