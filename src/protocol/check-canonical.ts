import { formatJsonPath } from "./json.ts";

// Strictness checks that need the raw text (appendices, "Canonical JSON"; rooms v6+ enforce them):
// JSON.parse silently turns `1.0`, `1e2` and `-0` into integers, rounds big integers and keeps
// only the last of duplicate keys, so it cannot tell a compliant event from a non-compliant one.

export type ViolationKind =
  | "float"
  | "exponent"
  | "negative-zero"
  | "integer-out-of-range"
  | "duplicate-key"
  | "lone-surrogate"
  | "syntax";

export interface Violation {
  kind: ViolationKind;
  /** Where the value sits, e.g. `$.content.users["@a:b"]`. */
  path: string;
  /** Character offset of the offending token in the input. */
  offset: number;
  message: string;
}

const MAX_SAFE = 9007199254740991n;

/** Lists every value in `jsonText` that canonical JSON forbids; an empty list means compliant values. */
export function checkCanonical(jsonText: string): Violation[] {
  const scanner = new Scanner(jsonText);
  try {
    scanner.skipWhitespace();
    scanner.value([]);
    scanner.skipWhitespace();
    if (scanner.position < jsonText.length) scanner.fail("unexpected text after the JSON value");
  } catch (error) {
    if (!(error instanceof SyntaxFailure)) throw error;
  }
  return scanner.violations;
}

class SyntaxFailure extends Error {}

class Scanner {
  readonly text: string;
  position = 0;
  readonly violations: Violation[] = [];
  private path: (string | number)[] = [];

  constructor(text: string) {
    this.text = text;
  }

  fail(message: string): never {
    this.report("syntax", this.position, `invalid JSON: ${message}`);
    throw new SyntaxFailure(message);
  }

  report(kind: ViolationKind, offset: number, message: string): void {
    this.violations.push({ kind, path: formatJsonPath(this.path), offset, message });
  }

  skipWhitespace(): void {
    const text = this.text;
    let i = this.position;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
    this.position = i;
  }

  value(path: (string | number)[]): void {
    this.path = path;
    const c = this.text[this.position];
    if (c === "{") this.object(path);
    else if (c === "[") this.array(path);
    else if (c === '"') this.string();
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) this.number();
    else if (this.text.startsWith("true", this.position)) this.position += 4;
    else if (this.text.startsWith("false", this.position)) this.position += 5;
    else if (this.text.startsWith("null", this.position)) this.position += 4;
    else this.fail(c === undefined ? "unexpected end of input" : `unexpected character ${JSON.stringify(c)}`);
  }

  private object(path: (string | number)[]): void {
    this.position++;
    this.skipWhitespace();
    const seen = new Set<string>();
    if (this.text[this.position] === "}") {
      this.position++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.position] !== '"') this.fail("expected a string key");
      const keyOffset = this.position;
      const key = this.string();
      if (seen.has(key)) {
        this.path = [...path, key];
        this.report("duplicate-key", keyOffset, `key ${JSON.stringify(key)} appears more than once`);
      }
      seen.add(key);
      this.skipWhitespace();
      if (this.text[this.position] !== ":") this.fail("expected ':' after an object key");
      this.position++;
      this.skipWhitespace();
      this.value([...path, key]);
      this.path = path;
      this.skipWhitespace();
      const next = this.text[this.position];
      this.position++;
      if (next === "}") return;
      if (next !== ",") {
        this.position--;
        this.fail("expected ',' or '}' in an object");
      }
    }
  }

  private array(path: (string | number)[]): void {
    this.position++;
    this.skipWhitespace();
    if (this.text[this.position] === "]") {
      this.position++;
      return;
    }
    for (let index = 0; ; index++) {
      this.skipWhitespace();
      this.value([...path, index]);
      this.path = path;
      this.skipWhitespace();
      const next = this.text[this.position];
      this.position++;
      if (next === "]") return;
      if (next !== ",") {
        this.position--;
        this.fail("expected ',' or ']' in an array");
      }
    }
  }

  /** Reads a string token and returns its decoded value. */
  private string(): string {
    const text = this.text;
    const start = this.position;
    let i = start + 1;
    let hasEscape = false;
    for (;;) {
      if (i >= text.length) {
        this.position = i;
        this.fail("unterminated string");
      }
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) {
        this.position = i;
        this.fail("raw control character in a string");
      }
      if (c === 0x5c) {
        hasEscape = true;
        i += 2;
        continue;
      }
      i++;
    }
    this.position = i + 1;
    const raw = text.slice(start, i + 1);
    let decoded: string;
    try {
      decoded = hasEscape ? (JSON.parse(raw) as string) : raw.slice(1, -1);
    } catch {
      this.position = start;
      this.fail("invalid escape in a string");
    }
    if (!decoded.isWellFormed()) this.report("lone-surrogate", start, "string contains a lone UTF-16 surrogate");
    return decoded;
  }

  private number(): void {
    const match = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
    match.lastIndex = this.position;
    const found = match.exec(this.text);
    if (found === null) this.fail("malformed number");
    const offset = this.position;
    const token = found[0];
    this.position += token.length;
    if (found[2] !== undefined) {
      this.report("float", offset, `${token} has a fraction; only integers are allowed`);
    } else if (found[3] !== undefined) {
      this.report("exponent", offset, `${token} has an exponent; write integers in full`);
    } else if (token === "-0") {
      this.report("negative-zero", offset, "-0 is not allowed; write 0");
    } else {
      const value = BigInt(token);
      if (value > MAX_SAFE || value < -MAX_SAFE) {
        this.report("integer-out-of-range", offset, `${token} is outside ±(2^53−1)`);
      }
    }
  }
}
