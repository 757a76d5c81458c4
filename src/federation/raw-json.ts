import { randomBytes } from "node:crypto";
import { canonicalJson } from "../protocol/index.ts";

// Canonical JSON with chosen numbers written as given: the peer sends PDUs that break the
// canonical JSON rules (floats, integers beyond ±(2^53−1)) to check that receivers refuse them,
// and must hash and sign exactly the text it sends.

const NUMBER_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** A JSON number kept as its text, which the core's canonical JSON would refuse. */
export class RawNumber {
  readonly text: string;
  constructor(text: string) {
    if (!NUMBER_TEXT.test(text)) throw new Error(`expected a JSON number's text (e.g. 1.5, 9007199254740992), got ${JSON.stringify(text)}: write the number as the JSON grammar does`);
    this.text = text;
  }
}

/** A JSON value whose numbers may be RawNumbers. */
export type RawJsonValue = string | number | boolean | null | RawNumber | RawJsonValue[] | { [key: string]: RawJsonValue };
export type RawJsonObject = { [key: string]: RawJsonValue };

/**
 * Canonical JSON of `value`, with each RawNumber written as its text. Every other value goes
 * through the core's `canonicalJson`, so ordinary values serialise exactly as it does.
 */
export function rawCanonicalJson(value: RawJsonValue): string {
  const nonce = randomBytes(12).toString("hex");
  const texts: string[] = [];
  const placeheld = replaceRawNumbers(value, (raw) => `gauntlet-raw-number-${nonce}-${texts.push(raw.text) - 1}`);
  const canonical = canonicalJson(placeheld);
  if (texts.length === 0) return canonical;
  // A placeholder serialises as a plain quoted string; swap each one for its number text.
  return canonical.replace(new RegExp(`"gauntlet-raw-number-${nonce}-([0-9]+)"`, "g"), (_match, index: string) => texts[Number(index)]!);
}

/** rawCanonicalJson as UTF-8 bytes, the form that is hashed and signed. */
export function rawCanonicalJsonBytes(value: RawJsonValue): Uint8Array {
  return Buffer.from(rawCanonicalJson(value), "utf8");
}

function replaceRawNumbers(value: RawJsonValue, placeholder: (raw: RawNumber) => string): unknown {
  if (value instanceof RawNumber) return placeholder(value);
  if (Array.isArray(value)) return value.map((item) => replaceRawNumbers(item, placeholder));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) Object.defineProperty(out, key, { value: replaceRawNumbers(item, placeholder), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
