import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CanonicalJsonError, canonicalJson, checkCanonical, compareCodepoints } from "../../../src/protocol/index.ts";

// appendices "Canonical JSON" and gomatrixserverlib json_test.go vectors.

describe("canonicalJson escaping", () => {
  it.each([
    ["\b\t\n\u000b\f\r\u000e\u000f", '"\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"'],
    ["\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f", '"\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"'],
    ["/", '"/"'],
    ["\u{20820}", '"\u{20820}"'],
    ['"\\', '"\\"\\\\"'],
    ["\u007f\u2028\u2029é", '"\u007f\u2028\u2029é"'],
  ])("%j", (input, output) => {
    expect(canonicalJson(input)).toBe(output);
  });

  it("decodes \\/ and surrogate-pair escapes before re-encoding", () => {
    expect(canonicalJson(JSON.parse('["\\/", "\\uD842\\uDC20"]'))).toBe('["/","\u{20820}"]');
  });
});

describe("canonicalJson key order", () => {
  it("orders by codepoint, not UTF-16 unit: U+FB01 before U+1F600", () => {
    expect(canonicalJson({ "😀": 1, "\uFB01": 2 })).toBe('{"\uFB01":2,"😀":1}');
    expect(["😀", "\uFB01"].sort(compareCodepoints)).toEqual(["\uFB01", "😀"]);
  });

  it("does not put integer-like keys first", () => {
    expect(canonicalJson({ b: 1, 10: 2, 9: 3 })).toBe('{"10":2,"9":3,"b":1}');
  });

  it("keeps a __proto__ key as data", () => {
    expect(canonicalJson(JSON.parse('{"__proto__":1,"a":2}'))).toBe('{"__proto__":1,"a":2}');
  });

  it("omits undefined properties", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});

describe("canonicalJson errors name the path", () => {
  it.each([
    [{ content: { n: 1.5 } }, "$.content.n", /not an integer/],
    [{ a: [0, 2 ** 53] }, "$.a[1]", /outside/],
    [{ "@a:b": { x: Number.NaN } }, '$["@a:b"].x', /NaN/],
    [{ a: Number.POSITIVE_INFINITY }, "$.a", /Infinity/],
    [{ s: "\uD800" }, "$.s", /lone UTF-16 surrogate/],
    [{ k: { "\uDC00": 1 } }, '$.k["\\udc00"]', /lone UTF-16 surrogate/],
    [{ d: new Date(0) }, "$.d", /Date is not a plain JSON object/],
    [{ f: [() => 1] }, "$.f[0]", /function/],
    [[undefined], "$[0]", /undefined/],
    [{ big: 2n ** 60n }, "$.big", /outside/],
  ])("%#: %s", (value, path, reason) => {
    let error: unknown;
    try {
      canonicalJson(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CanonicalJsonError);
    expect((error as CanonicalJsonError).path).toBe(path);
    expect((error as CanonicalJsonError).message).toMatch(reason);
    expect((error as CanonicalJsonError).message).toContain(path);
  });

  it("accepts the integer limits and bigints within them", () => {
    expect(canonicalJson([2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 53n - 1n])).toBe("[9007199254740991,-9007199254740991,9007199254740991]");
  });
});

describe("checkCanonical", () => {
  it.each([
    ['{"a":-0}', "negative-zero", "$.a"],
    ["[9007199254740992]", "integer-out-of-range", "$[0]"],
    ["[-9007199254740992]", "integer-out-of-range", "$[0]"],
    ['{"a":{"b":1e5}}', "exponent", "$.a.b"],
    ['{"a":1.5}', "float", "$.a"],
    ['{"a":1.0}', "float", "$.a"],
    ['{"a":1e2}', "exponent", "$.a"],
    ['{"a":1,"a":2}', "duplicate-key", "$.a"],
    ['["\\udead"]', "lone-surrogate", "$[0]"],
    ['{"a":', "syntax", "$.a"],
  ])("%s → %s at %s", (text, kind, path) => {
    const violations = checkCanonical(text);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ kind, path });
  });

  it("accepts compliant values, whatever the formatting", () => {
    expect(checkCanonical('{ "b": [1, -2, 9007199254740991, -9007199254740991, "x\\n"], "a": {"c": null, "d": true} }')).toEqual([]);
  });

  it("reports every violation, not just the first", () => {
    expect(checkCanonical('{"a":1.5,"b":[-0,1e3],"a":1}').map((v) => v.kind)).toEqual(["float", "negative-zero", "exponent", "duplicate-key"]);
  });
});

// Python's json.dumps with sort_keys is the spec's reference encoder: an independent oracle.
function pythonCanonical(values: unknown[]): string[] {
  const script =
    "import json,sys\n" +
    "for line in sys.stdin:\n" +
    "    print(json.dumps(json.loads(line), ensure_ascii=False, separators=(',',':'), sort_keys=True))\n";
  const result = spawnSync("python3", ["-c", script], {
    input: values.map((v) => JSON.stringify(v)).join("\n") + "\n",
    encoding: "utf8",
    env: { ...process.env, PYTHONIOENCODING: "utf-8" },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return result.stdout.split("\n").slice(0, values.length);
}

const keyArbitrary = fc.oneof(
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.integer({ min: 0, max: 10_000 }).map(String),
  fc.constantFrom("\uFB01", "😀", "\uE000", "\uFFFF", "\u{10FFFF}", "a", "A", "", "__proto__", "\u0000", "\u001f"),
);
const leafArbitrary = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x3f }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
  fc.maxSafeInteger(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const { value: jsonArbitrary } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leafArbitrary, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 5 }),
  object: fc.dictionary(keyArbitrary, tie("value"), { maxKeys: 6 }),
}));

describe("canonicalJson against Python's reference encoder", () => {
  it("agrees on 5,000 generated values with astral, integer-like and control-character keys", () => {
    const values = fc.sample(jsonArbitrary, { numRuns: 5_000, seed: 4297 }).filter((v) => JSON.stringify(v).isWellFormed());
    expect(values.length).toBeGreaterThan(4_900);
    const expected = pythonCanonical(values);
    const mismatches = values.map((v, i) => [canonicalJson(v), expected[i]] as const).filter(([ours, theirs]) => ours !== theirs);
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it("output is a fixed point and passes checkCanonical", () => {
    fc.assert(
      fc.property(jsonArbitrary, (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(checkCanonical(text)).toEqual([]);
      }),
      { numRuns: 2_000 },
    );
  });
});
