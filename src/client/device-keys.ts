import { randomBytes } from "node:crypto";
import { encodeBase64 } from "../protocol/base64.ts";
import type { JsonObject } from "../protocol/json.ts";
import { signBytes, signedBytesOf, signingKeyFromSeed, type SigningKey } from "../protocol/signing.ts";

// Key material for the end-to-end encryption endpoints: real ed25519 keys and signatures, so a
// server that checks signatures (client-server-api/#signing-json) accepts what it should.

export interface Ed25519Key {
  key: SigningKey;
  /** Unpadded base64 public key, as it appears after `ed25519:` in key IDs of cross-signing keys. */
  publicKey: string;
}

export function newEd25519Key(): Ed25519Key {
  const key = signingKeyFromSeed(randomBytes(32));
  return { key, publicKey: key.publicKeyBase64 };
}

/** A copy of `object` signed by `userId` with key `keyId`; existing signatures are kept. */
export function signAs<T extends JsonObject>(object: T, userId: string, keyId: string, key: Ed25519Key): T & { signatures: Record<string, Record<string, string>> } {
  const signature = encodeBase64(signBytes(signedBytesOf(object), key.key));
  const existing = (object["signatures"] ?? {}) as Record<string, Record<string, string>>;
  return { ...object, signatures: { ...existing, [userId]: { ...(existing[userId] ?? {}), [keyId]: signature } } };
}

/** DeviceKeys self-signed by the device's ed25519 key (client-server-api/#post_matrixclientv3keysupload). */
export function deviceKeysFor(userId: string, deviceId: string): { deviceKeys: JsonObject & { signatures: Record<string, Record<string, string>> }; signingKey: Ed25519Key } {
  const signingKey = newEd25519Key();
  const curve = encodeBase64(randomBytes(32));
  const unsigned: JsonObject = {
    user_id: userId,
    device_id: deviceId,
    algorithms: ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
    keys: { [`curve25519:${deviceId}`]: curve, [`ed25519:${deviceId}`]: signingKey.publicKey },
  };
  return { deviceKeys: signAs(unsigned, userId, `ed25519:${deviceId}`, signingKey), signingKey };
}

/** `count` signed one-time curve25519 keys (`signed_curve25519:<id>`). */
export function oneTimeKeys(userId: string, deviceId: string, signingKey: Ed25519Key, count: number, prefix = "AAAA"): Record<string, JsonObject> {
  const keys: Record<string, JsonObject> = {};
  for (let i = 0; i < count; i += 1) {
    keys[`signed_curve25519:${prefix}${i}`] = signAs({ key: encodeBase64(randomBytes(32)) }, userId, `ed25519:${deviceId}`, signingKey);
  }
  return keys;
}

export interface CrossSigningKeys {
  master: Ed25519Key;
  selfSigning: Ed25519Key;
  userSigning: Ed25519Key;
  /** The upload body for /keys/device_signing/upload, the sub-keys signed by the master key. */
  body: JsonObject;
}

/** A master key and its self- and user-signing keys (client-server-api/#cross-signing). */
export function crossSigningKeysFor(userId: string): CrossSigningKeys {
  const master = newEd25519Key();
  const selfSigning = newEd25519Key();
  const userSigning = newEd25519Key();
  const masterId = `ed25519:${master.publicKey}`;
  const key = (usage: string, k: Ed25519Key): JsonObject => ({ user_id: userId, usage: [usage], keys: { [`ed25519:${k.publicKey}`]: k.publicKey } });
  return {
    master,
    selfSigning,
    userSigning,
    body: {
      master_key: key("master", master),
      self_signing_key: signAs(key("self_signing", selfSigning), userId, masterId, master),
      user_signing_key: signAs(key("user_signing", userSigning), userId, masterId, master),
    },
  };
}
