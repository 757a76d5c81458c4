import { decodeBase64, verifyJson, type JsonObject } from "../protocol/index.ts";

export type SignatureOutcome = { valid: true; keyId: string } | { valid: false; reason: string };

function decodeKey(text: string): Uint8Array | undefined {
  try {
    return decodeBase64(text);
  } catch {
    return undefined;
  }
}

/**
 * Checks `object`'s signature by `entity` with one of `keys` (key ID to unpadded base64 public key),
 * saying why when none verifies (appendices, "Checking for a Signature").
 */
export function verifySignedJson(object: Record<string, unknown>, entity: string, keys: Record<string, string>): SignatureOutcome {
  const signatures = object.signatures as Record<string, Record<string, unknown>> | undefined;
  const mine = signatures?.[entity];
  if (!mine || typeof mine !== "object") return { valid: false, reason: `no signature by ${entity}` };
  const ed25519 = Object.entries(mine).filter(([keyId]) => keyId.startsWith("ed25519:"));
  if (ed25519.length === 0) return { valid: false, reason: `no ed25519 signature by ${entity}` };
  const reasons: string[] = [];
  for (const [keyId, signature] of ed25519) {
    const keyText = keys[keyId];
    if (!keyText) {
      reasons.push(`${keyId}: no such key in verify_keys`);
      continue;
    }
    const key = decodeKey(keyText);
    if (!key || key.length !== 32) {
      reasons.push(`${keyId}: public key is not 32 bytes of base64`);
      continue;
    }
    const sig = typeof signature === "string" ? decodeKey(signature) : undefined;
    if (!sig || sig.length !== 64) {
      reasons.push(`${keyId}: signature is not 64 bytes of base64`);
      continue;
    }
    if (verifyJson(object as JsonObject, entity, keyId, key)) return { valid: true, keyId };
    reasons.push(`${keyId}: signature does not match the content`);
  }
  return { valid: false, reason: reasons.join("; ") };
}
