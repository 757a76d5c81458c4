import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";
import nacl from "tweetnacl";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { canonicalJsonBytes } from "./canonical-json.ts";
import { isJsonObject, type JsonObject } from "./json.ts";

// Signing JSON (appendices, "Signing JSON" and "Checking for a Signature"): strip `signatures`
// and `unsigned`, canonicalise, ed25519-sign, store unpadded base64 under signatures[entity][key ID].

/** An ed25519 signing key derived from a 32-byte seed. */
export interface SigningKey {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  /** The public key as unpadded base64, as published in `verify_keys`. */
  readonly publicKeyBase64: string;
  readonly privateKeyObject: KeyObject;
}

// PKCS#8 prefix for a raw ed25519 seed (RFC 8410), so node:crypto can sign with it natively.
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
// SPKI prefix for a raw ed25519 public key (RFC 8410).
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

const keyCache = new Map<string, SigningKey>();

/** Derives the key pair from a seed (tweetnacl's fromSeed); cached because servers sign with few keys. */
export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== 32) throw new Error(`an ed25519 seed is 32 bytes, got ${seed.length}`);
  const cacheKey = Buffer.from(seed).toString("hex");
  const cached = keyCache.get(cacheKey);
  if (cached) return cached;
  const pair = nacl.sign.keyPair.fromSeed(seed);
  const key: SigningKey = {
    seed: Uint8Array.from(seed),
    publicKey: pair.publicKey,
    publicKeyBase64: encodeBase64(pair.publicKey),
    privateKeyObject: createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
      format: "der",
      type: "pkcs8",
    }),
  };
  keyCache.set(cacheKey, key);
  return key;
}

const publicKeyCache = new Map<string, KeyObject>();

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const cacheKey = Buffer.from(publicKey).toString("hex");
  let key = publicKeyCache.get(cacheKey);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: "der", type: "spki" });
    if (publicKeyCache.size > 10_000) publicKeyCache.clear();
    publicKeyCache.set(cacheKey, key);
  }
  return key;
}

/** Raw ed25519 signature of `message` (deterministic, identical to tweetnacl's `sign.detached`). */
export function signBytes(message: Uint8Array, key: SigningKey | Uint8Array): Uint8Array {
  const signingKey = key instanceof Uint8Array ? signingKeyFromSeed(key) : key;
  return new Uint8Array(cryptoSign(null, message, signingKey.privateKeyObject));
}

/** Checks a raw ed25519 signature; a malformed key or signature is simply "not valid". */
export function verifyBytes(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return cryptoVerify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/** The bytes that are signed: canonical JSON of the object without `signatures` and `unsigned`. */
export function signedBytesOf(object: JsonObject): Uint8Array {
  const { signatures: _signatures, unsigned: _unsigned, ...rest } = object;
  return canonicalJsonBytes(rest);
}

/** Returns a copy of `object` with `signatures[serverName][keyId]` added; other signatures are kept. */
export function signJson<T extends JsonObject>(
  object: T,
  serverName: string,
  keyId: string,
  seed: Uint8Array | SigningKey,
): T & { signatures: JsonObject } {
  assertKeyId(keyId);
  const signature = encodeBase64(signBytes(signedBytesOf(object), seed));
  const existing = isJsonObject(object["signatures"]) ? object["signatures"] : {};
  const forServer = isJsonObject(existing[serverName]) ? existing[serverName] : {};
  return {
    ...object,
    signatures: { ...existing, [serverName]: { ...forServer, [keyId]: signature } },
  };
}

/**
 * True when `object` carries a valid signature by `serverName` with `keyId` (appendices,
 * "Checking for a Signature"): the entity entry must exist, the algorithm must be known,
 * the base64 must decode and the signature must match the canonical form.
 */
export function verifyJson(object: JsonObject, serverName: string, keyId: string, publicKey: Uint8Array): boolean {
  const signatures = object["signatures"];
  if (!isJsonObject(signatures)) return false;
  const forServer = signatures[serverName];
  if (!isJsonObject(forServer)) return false;
  if (algorithmOf(keyId) !== "ed25519") return false;
  const encoded = forServer[keyId];
  if (typeof encoded !== "string") return false;
  let signature: Uint8Array;
  let message: Uint8Array;
  try {
    signature = decodeBase64(encoded);
    message = signedBytesOf(object);
  } catch {
    return false;
  }
  return verifyBytes(message, signature, publicKey);
}

/** `ed25519:abc` → `ed25519`. */
export function algorithmOf(keyId: string): string {
  const colon = keyId.indexOf(":");
  return colon < 0 ? keyId : keyId.slice(0, colon);
}

// Key IDs are `algorithm:version` with version in [a-zA-Z0-9_] (server-server keys.yaml).
const KEY_ID = /^[A-Za-z0-9_]+:[A-Za-z0-9_]+$/;

export function isValidKeyId(keyId: string): boolean {
  return KEY_ID.test(keyId);
}

function assertKeyId(keyId: string): void {
  if (!isValidKeyId(keyId)) {
    throw new Error(`key ID ${JSON.stringify(keyId)} is not "algorithm:version" with version in [a-zA-Z0-9_]`);
  }
}
