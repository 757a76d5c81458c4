// Kept local until the shared protocol module exports its verifier; same rules as the spec's appendices.
import nacl from "tweetnacl";

function compareCodepoints(a: string, b: string): number {
  // UTF-8 byte order equals codepoint order; JS's default sort compares UTF-16 units.
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Canonical JSON (appendices, "Canonical JSON"): sorted keys by codepoint, no whitespace, integers only. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`canonical JSON allows only integers within ±(2^53-1), got ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort(compareCodepoints)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  throw new Error(`canonical JSON cannot hold a ${typeof value}`);
}

/** Decodes padded or unpadded, standard or URL-safe base64; `undefined` when it is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
}

export type SignatureOutcome = { valid: true; keyId: string } | { valid: false; reason: string };

/**
 * Checks `object`'s signature by `entity` with one of `keys` (key ID to unpadded base64 public key),
 * following appendices "Checking for a Signature": strip signatures and unsigned, canonicalise, verify.
 */
export function verifySignedJson(object: Record<string, unknown>, entity: string, keys: Record<string, string>): SignatureOutcome {
  const signatures = object.signatures as Record<string, Record<string, unknown>> | undefined;
  const mine = signatures?.[entity];
  if (!mine || typeof mine !== "object") return { valid: false, reason: `no signature by ${entity}` };
  const ed25519 = Object.entries(mine).filter(([keyId]) => keyId.startsWith("ed25519:"));
  if (ed25519.length === 0) return { valid: false, reason: `no ed25519 signature by ${entity}` };
  const { signatures: _s, unsigned: _u, ...rest } = object;
  const message = Buffer.from(canonicalJson(rest), "utf8");
  const reasons: string[] = [];
  for (const [keyId, signature] of ed25519) {
    const keyText = keys[keyId];
    if (!keyText) {
      reasons.push(`${keyId}: no such key in verify_keys`);
      continue;
    }
    const key = decodeBase64(keyText);
    const sig = typeof signature === "string" ? decodeBase64(signature) : undefined;
    if (!key || key.length !== nacl.sign.publicKeyLength) {
      reasons.push(`${keyId}: public key is not 32 bytes of base64`);
      continue;
    }
    if (!sig || sig.length !== nacl.sign.signatureLength) {
      reasons.push(`${keyId}: signature is not 64 bytes of base64`);
      continue;
    }
    if (nacl.sign.detached.verify(message, sig, key)) return { valid: true, keyId };
    reasons.push(`${keyId}: signature does not match the content`);
  }
  return { valid: false, reason: reasons.join("; ") };
}
