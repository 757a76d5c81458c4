// Unpadded base64 as the spec requires, and lenient decoding of padded, unpadded, standard
// and URL-safe input (appendices, "Unpadded Base64": decoders SHOULD accept both).

const STANDARD_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE_ALPHABET = /^[A-Za-z0-9_-]*={0,2}$/;

/** Standard alphabet, no padding (signatures, hashes, keys, v3 event IDs). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64").replace(/=+$/, "");
}

/** URL-safe alphabet (`-` and `_`), no padding (v4+ event IDs). */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/**
 * Decodes standard base64, padded or not. Non-zero trailing padding bits are accepted because
 * the spec's own signing seed has them (appendices, "Cryptographic Test Vectors").
 * Throws on characters outside the alphabet or an impossible length.
 */
export function decodeBase64(text: string): Uint8Array {
  return decodeWith(text, STANDARD_ALPHABET, "base64", "standard");
}

/** Decodes URL-safe base64, padded or not. */
export function decodeBase64Url(text: string): Uint8Array {
  return decodeWith(text, URL_SAFE_ALPHABET, "base64url", "URL-safe");
}

function decodeWith(text: string, alphabet: RegExp, encoding: "base64" | "base64url", label: string): Uint8Array {
  if (!alphabet.test(text)) {
    throw new Error(`not ${label} base64: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`);
  }
  const body = text.replace(/=+$/, "");
  const padding = text.length - body.length;
  // A single leftover character cannot encode a byte; padding must complete a 4-character group.
  if (body.length % 4 === 1 || (padding > 0 && (body.length + padding) % 4 !== 0)) {
    throw new Error(`${label} base64 has an impossible length (${text.length} characters)`);
  }
  const buffer = Buffer.from(body, encoding);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
