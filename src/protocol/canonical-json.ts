import { formatJsonPath } from "./json.ts";

// Canonical JSON (appendices, "Canonical JSON"): shortest UTF-8 form, keys in codepoint order,
// integers within ±(2^53−1) only, and the grammar's escaping.

export const MAX_SAFE_CANONICAL_INTEGER = Number.MAX_SAFE_INTEGER;

/** Thrown for a value with no canonical form; `path` names where it sits, e.g. `$.content.n`. */
export class CanonicalJsonError extends Error {
  readonly path: string;
  readonly reason: string;
  readonly segments: (string | number)[];
  constructor(reason: string, segments: (string | number)[]) {
    const path = formatJsonPath(segments);
    super(`no canonical JSON form at ${path}: ${reason}`);
    this.name = "CanonicalJsonError";
    this.path = path;
    this.reason = reason;
    this.segments = segments;
  }
}

/**
 * Orders strings by Unicode codepoint (equivalently UTF-8 bytes), which the spec requires;
 * JavaScript's default order compares UTF-16 code units and puts astral characters before U+E000–U+FFFF.
 */
export function compareCodepoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codepointRank(x) - codepointRank(y);
  }
  return a.length - b.length;
}

// Surrogates (astral codepoints) rank above every BMP unit from U+E000 up; lower units keep their place.
function codepointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  if (unit >= 0xe000) return unit - 0x800;
  return unit + 0x2000;
}

/**
 * Serialises `value` as canonical JSON. Object properties whose value is `undefined` are absent,
 * as with JSON.stringify; anything else without a canonical form throws a CanonicalJsonError.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value);
}

/** Canonical JSON as UTF-8 bytes, the form that is hashed and signed. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return Buffer.from(serialise(value), "utf8");
}

function serialise(value: unknown): string {
  switch (typeof value) {
    case "string":
      return serialiseString(value);
    case "number":
      if (Number.isSafeInteger(value)) return String(value);
      throw new CanonicalJsonError(describeBadNumber(value), []);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return serialiseArray(value);
      return serialiseObject(value);
    case "bigint":
      if (value >= -BigInt(MAX_SAFE_CANONICAL_INTEGER) && value <= BigInt(MAX_SAFE_CANONICAL_INTEGER)) {
        return value.toString();
      }
      throw new CanonicalJsonError(`integer ${value} is outside ±(2^53−1)`, []);
    default:
      throw new CanonicalJsonError(`a ${typeof value} is not a JSON value`, []);
  }
}

function describeBadNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN is not a JSON number";
  if (!Number.isFinite(value)) return `${value} is not a JSON number`;
  if (!Number.isInteger(value)) return `${value} is not an integer (floats are not allowed)`;
  return `integer ${value} is outside ±(2^53−1)`;
}

function serialiseString(value: string): string {
  // Python's encoder (the reference) fails on lone surrogates; there is no UTF-8 form for them.
  if (!value.isWellFormed()) {
    throw new CanonicalJsonError("string contains a lone UTF-16 surrogate, which has no UTF-8 encoding", []);
  }
  // JSON.stringify already escapes exactly as the grammar says: \" \\ \b \t \n \f \r, other C0
  // controls as lowercase \u00xx, and everything else (including / and U+007F) raw.
  return JSON.stringify(value);
}

function serialiseArray(value: unknown[]): string {
  let out = "[";
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ",";
    try {
      out += serialise(value[i]);
    } catch (error) {
      throw withSegment(error, i);
    }
  }
  return out + "]";
}

function serialiseObject(value: object): string {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
    throw new CanonicalJsonError(`a ${name} is not a plain JSON object`, []);
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort(compareCodepoints);
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (!key.isWellFormed()) {
      throw new CanonicalJsonError("key contains a lone UTF-16 surrogate, which has no UTF-8 encoding", [key]);
    }
    if (!first) out += ",";
    first = false;
    try {
      out += JSON.stringify(key) + ":" + serialise(item);
    } catch (error) {
      throw withSegment(error, key);
    }
  }
  return out + "}";
}

function withSegment(error: unknown, segment: string | number): unknown {
  if (error instanceof CanonicalJsonError) return new CanonicalJsonError(error.reason, [segment, ...error.segments]);
  if (error instanceof RangeError) {
    return new CanonicalJsonError("nesting is too deep to serialise", [segment]);
  }
  return error;
}
