import { decodeBase64 } from "./base64.ts";
import { isJsonObject, type JsonObject } from "./json.ts";
import { isValidKeyId, signJson, signingKeyFromSeed, verifyJson, type SigningKey } from "./signing.ts";

// Server key publication (server-server API, "Publishing Keys": GET /_matrix/key/v2/server).

/** Longest validity a receiver honours from rooms v5 on (rooms/fragments/v5-signing-requirements). */
export const MAX_KEY_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

export interface ServerKeysInput {
  serverName: string;
  /** Current keys; each one signs the response. */
  keys: readonly { keyId: string; seed: Uint8Array | SigningKey }[];
  oldVerifyKeys?: readonly { keyId: string; publicKeyBase64: string; expiredTs: number }[];
  validUntilTs: number;
}

/** Builds a self-signed `/_matrix/key/v2/server` response. */
export function buildServerKeys(input: ServerKeysInput): JsonObject {
  const verifyKeys: JsonObject = {};
  for (const { keyId, seed } of input.keys) {
    const key = seed instanceof Uint8Array ? signingKeyFromSeed(seed) : seed;
    verifyKeys[keyId] = { key: key.publicKeyBase64 };
  }
  const oldVerifyKeys: JsonObject = {};
  for (const old of input.oldVerifyKeys ?? []) {
    oldVerifyKeys[old.keyId] = { key: old.publicKeyBase64, expired_ts: old.expiredTs };
  }
  let response: JsonObject = {
    server_name: input.serverName,
    verify_keys: verifyKeys,
    old_verify_keys: oldVerifyKeys,
    valid_until_ts: input.validUntilTs,
  };
  for (const { keyId, seed } of input.keys) response = signJson(response, input.serverName, keyId, seed);
  return response;
}

export interface ServerKeysVerification {
  valid: boolean;
  serverName: string | undefined;
  /** Public keys from `verify_keys` by key ID. */
  verifyKeys: Map<string, Uint8Array>;
  /** Key IDs whose self-signature verified. */
  signedBy: string[];
  /** `valid_until_ts` capped at `fetchedAt + 7 days`, as rooms v5+ use it. */
  effectiveValidUntilTs: number | undefined;
  problems: string[];
}

/**
 * Checks a key response: well-formed, self-signed by `server_name` with at least one key from
 * its own `verify_keys`, and (when `expectedServerName` is given) about the expected server.
 */
export function verifyServerKeys(
  response: JsonObject,
  options: { expectedServerName?: string; fetchedAt?: number } = {},
): ServerKeysVerification {
  const problems: string[] = [];
  const serverName = typeof response["server_name"] === "string" ? response["server_name"] : undefined;
  if (serverName === undefined) problems.push("server_name is missing or not a string");
  if (options.expectedServerName !== undefined && serverName !== options.expectedServerName) {
    problems.push(`server_name is ${JSON.stringify(serverName)}, expected ${JSON.stringify(options.expectedServerName)}`);
  }
  const verifyKeys = new Map<string, Uint8Array>();
  const published = response["verify_keys"];
  if (!isJsonObject(published)) problems.push("verify_keys is missing or not an object");
  else {
    for (const [keyId, entry] of Object.entries(published)) {
      if (!isValidKeyId(keyId)) problems.push(`verify_keys has a malformed key ID ${JSON.stringify(keyId)}`);
      const encoded = isJsonObject(entry) ? entry["key"] : undefined;
      try {
        if (typeof encoded !== "string") throw new Error("missing");
        verifyKeys.set(keyId, decodeBase64(encoded));
      } catch {
        problems.push(`verify_keys[${JSON.stringify(keyId)}].key is not base64`);
      }
    }
  }
  const validUntil = response["valid_until_ts"];
  if (typeof validUntil !== "number" || !Number.isSafeInteger(validUntil)) problems.push("valid_until_ts is missing or not an integer");

  const signedBy: string[] = [];
  if (serverName !== undefined) {
    for (const [keyId, publicKey] of verifyKeys) {
      if (verifyJson(response, serverName, keyId, publicKey)) signedBy.push(keyId);
    }
    if (signedBy.length === 0) problems.push(`no valid signature by ${serverName} with a key from its verify_keys`);
  }
  const effectiveValidUntilTs =
    typeof validUntil === "number"
      ? options.fetchedAt === undefined
        ? validUntil
        : Math.min(validUntil, options.fetchedAt + MAX_KEY_VALIDITY_MS)
      : undefined;
  return { valid: problems.length === 0, serverName, verifyKeys, signedBy, effectiveValidUntilTs, problems };
}

/**
 * Whether a key fetched at `fetchedAt` with `validUntilTs` may verify an event sent at
 * `originServerTs` (rooms v5+: validity is capped at 7 days after fetching).
 */
export function keyValidForEvent(validUntilTs: number, originServerTs: number, fetchedAt?: number): boolean {
  const effective = fetchedAt === undefined ? validUntilTs : Math.min(validUntilTs, fetchedAt + MAX_KEY_VALIDITY_MS);
  return originServerTs <= effective;
}
