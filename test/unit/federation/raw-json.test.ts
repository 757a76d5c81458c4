import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RawNumber, rawCanonicalJson } from "../../../src/federation/raw-json.ts";
import { rawEventId, signRawEvent, signRawXMatrixRequest } from "../../../src/federation/raw-pdu.ts";
import { canonicalJson, computeEventId, ROOM_VERSIONS, signEvent, signingKeyFromSeed, signXMatrixRequest, type JsonValue } from "../../../src/protocol/index.ts";

// The peer's serialiser for PDUs that break canonical JSON must agree with the core everywhere else.

const key = signingKeyFromSeed(new Uint8Array(32).fill(7));

const keyArbitrary = fc.oneof(fc.string({ unit: "binary", maxLength: 6 }), fc.integer({ min: 0, max: 1000 }).map(String), fc.constantFrom("\uFB01", "😀", "__proto__", ""));
const leafArbitrary = fc.oneof(fc.string({ unit: "binary", maxLength: 12 }).filter((s) => s.isWellFormed()), fc.maxSafeInteger(), fc.boolean(), fc.constant(null));
const { value: jsonArbitrary } = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leafArbitrary, fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(keyArbitrary.filter((k) => k.isWellFormed()), tie("value"), { maxKeys: 4 })),
}));

function messageEvent(version: string, content: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(ROOM_VERSIONS.get(version)!.eventIdFormat === "opaque" ? { event_id: "$abc:peer.test" } : {}),
    room_id: "!room:peer.test",
    type: "m.room.message",
    sender: "@a:peer.test",
    content,
    origin_server_ts: 1_000_000,
    depth: 5,
    prev_events: [],
    auth_events: [],
    unsigned: { age_ts: 1_000_000 },
  };
}

describe("rawCanonicalJson", () => {
  it("writes ordinary values exactly as the core's canonicalJson", () => {
    fc.assert(fc.property(jsonArbitrary, (value) => rawCanonicalJson(value) === canonicalJson(value)), { numRuns: 500 });
  });

  it("writes each RawNumber as its text, in canonical key order", () => {
    expect(rawCanonicalJson({ z: new RawNumber("1.5"), a: [new RawNumber("9007199254740992"), 2], m: { d: new RawNumber("-1e3") } })).toBe('{"a":[9007199254740992,2],"m":{"d":-1e3},"z":1.5}');
  });

  it("leaves a string that looks like a placeholder alone", () => {
    expect(rawCanonicalJson({ a: "gauntlet-raw-number-00-0", b: new RawNumber("2.0") })).toBe('{"a":"gauntlet-raw-number-00-0","b":2.0}');
  });

  it("refuses text that is not a JSON number, saying what it expected", () => {
    expect(() => new RawNumber("1.")).toThrow(/expected a JSON number's text.*got "1\."/);
    expect(() => new RawNumber("NaN")).toThrow(/expected a JSON number's text/);
  });
});

describe("signRawEvent", () => {
  for (const rules of ROOM_VERSIONS.values()) {
    it(`v${rules.id}: signs an ordinary event exactly as the core's signEvent, with the same event ID`, () => {
      const event = messageEvent(rules.id, { msgtype: "m.text", body: "hello" }) as never;
      const raw = signRawEvent(event, rules, "peer.test", "ed25519:1", key);
      const core = signEvent(event, rules, "peer.test", "ed25519:1", key);
      expect(raw.pdu).toEqual(core);
      expect(raw.eventId).toBe(computeEventId(core, rules));
    });
  }

  it("hashes the raw number text: a float in content changes the content hash, not the v11 event ID (content is redacted)", () => {
    const rules = ROOM_VERSIONS.get("11")!;
    const plain = signRawEvent(messageEvent("11", { n: 1 }) as never, rules, "peer.test", "ed25519:1", key);
    const float = signRawEvent(messageEvent("11", { n: new RawNumber("1.0") }) as never, rules, "peer.test", "ed25519:1", key);
    expect(float.pdu["hashes"]).not.toEqual(plain.pdu["hashes"]);
    expect(rawEventId({ ...float.pdu, hashes: plain.pdu["hashes"]! }, rules)).toBe(plain.eventId);
    expect(rawCanonicalJson(float.pdu)).toContain('"content":{"n":1.0}');
  });
});

describe("signRawXMatrixRequest", () => {
  it("signs an ordinary body exactly as the core's signXMatrixRequest", () => {
    const request = { method: "put", uri: "/_matrix/federation/v1/send/1", origin: "peer.test", destination: "hs.test", content: { origin: "peer.test", pdus: [{ a: 1 }] } };
    expect(signRawXMatrixRequest(request, "ed25519:1", key)).toBe(signXMatrixRequest(request, "ed25519:1", key));
  });
});
