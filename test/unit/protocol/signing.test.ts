import fc from "fast-check";
import nacl from "tweetnacl";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  computeEventId,
  decodeBase64,
  decodeBase64Url,
  encodeBase64,
  encodeBase64Url,
  redactEvent,
  roomIdFromCreateEvent,
  signEvent,
  signingKeyFromSeed,
  signJson,
  verifyEvent,
  verifyJson,
  type JsonObject,
} from "../../../src/protocol/index.ts";

const seedArbitrary = fc.uint8Array({ minLength: 32, maxLength: 32 });
const SEED = new Uint8Array(32).fill(7);
const KEY = signingKeyFromSeed(SEED);

describe("base64", () => {
  it("round-trips standard and URL-safe, padded or not", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const standard = encodeBase64(bytes);
        const urlSafe = encodeBase64Url(bytes);
        expect(standard).not.toMatch(/=/);
        expect(urlSafe).not.toMatch(/[=+/]/);
        expect(decodeBase64(standard)).toEqual(bytes);
        expect(decodeBase64(standard.padEnd(Math.ceil(standard.length / 4) * 4, "="))).toEqual(bytes);
        expect(decodeBase64Url(urlSafe)).toEqual(bytes);
      }),
    );
  });

  it("rejects characters outside the alphabet and impossible lengths", () => {
    expect(() => decodeBase64("ab-_")).toThrow(/not standard base64/);
    expect(() => decodeBase64Url("ab+/")).toThrow(/not URL-safe base64/);
    expect(() => decodeBase64("abcde")).toThrow(/impossible length/);
    expect(() => decodeBase64("ab=")).toThrow(/impossible length/);
  });
});

describe("JSON signing", () => {
  it("matches tweetnacl's detached signature and verifies for random seeds and objects", () => {
    fc.assert(
      fc.property(seedArbitrary, fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), (seed, object) => {
        const key = signingKeyFromSeed(seed);
        const signed = signJson(object as JsonObject, "example.org", "ed25519:k", seed);
        const signature = (signed["signatures"] as Record<string, Record<string, string>>)["example.org"]!["ed25519:k"]!;
        const expected = nacl.sign.detached(Buffer.from(canonicalJson(object)), nacl.sign.keyPair.fromSeed(seed).secretKey);
        expect(signature).toBe(encodeBase64(expected));
        expect(verifyJson(signed, "example.org", "ed25519:k", key.publicKey)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps existing signatures and ignores unsigned", () => {
    const once = signJson({ a: 1, unsigned: { age: 5 } }, "one.org", "ed25519:1", SEED);
    const twice = signJson(once, "two.org", "ed25519:2", SEED);
    expect(Object.keys(twice["signatures"] as object)).toEqual(["one.org", "two.org"]);
    expect(verifyJson({ ...twice, unsigned: { age: 999 } }, "one.org", "ed25519:1", KEY.publicKey)).toBe(true);
  });

  it("fails for a missing entity, unknown algorithm, unknown key, undecodable signature, or changed data", () => {
    const signed = signJson({ a: 1 }, "example.org", "ed25519:1", SEED);
    const other = signingKeyFromSeed(new Uint8Array(32).fill(9)).publicKey;
    expect(verifyJson(signed, "other.org", "ed25519:1", KEY.publicKey)).toBe(false);
    expect(verifyJson(signed, "example.org", "curve25519:1", KEY.publicKey)).toBe(false);
    expect(verifyJson(signed, "example.org", "ed25519:2", KEY.publicKey)).toBe(false);
    expect(verifyJson({ ...signed, signatures: { "example.org": { "ed25519:1": "!!" } } }, "example.org", "ed25519:1", KEY.publicKey)).toBe(false);
    expect(verifyJson({ ...signed, a: 2 }, "example.org", "ed25519:1", KEY.publicKey)).toBe(false);
    expect(verifyJson(signed, "example.org", "ed25519:1", other)).toBe(false);
  });

  it("rejects malformed key IDs when signing", () => {
    expect(() => signJson({}, "example.org", "ed25519:bad-id", SEED)).toThrow(/a-zA-Z0-9_/);
  });
});

const eventArbitrary = fc.record({
  type: fc.constantFrom("m.room.message", "m.room.member", "m.room.power_levels", "m.room.create", "m.room.join_rules", "m.room.topic"),
  sender: fc.constantFrom("@alice:example.org", "@bob:example.org"),
  room_id: fc.constant("!room:example.org"),
  content: fc.dictionary(fc.constantFrom("membership", "body", "users", "join_rule", "creator", "allow", "x"), fc.oneof(fc.string(), fc.integer())),
  origin_server_ts: fc.nat(),
  depth: fc.nat({ max: 1000 }),
  prev_events: fc.array(fc.constantFrom("$a", "$b", "$c"), { maxLength: 2 }),
  auth_events: fc.array(fc.constantFrom("$d", "$e"), { maxLength: 2 }),
  state_key: fc.option(fc.constantFrom("", "@bob:example.org"), { nil: undefined }),
  unsigned: fc.constant({ age: 10 }),
});
const versionArbitrary = fc.constantFrom("3", "4", "5", "6", "7", "8", "9", "10", "11", "12");

describe("event signing properties", () => {
  it("signed events verify; any change to a signed field breaks the signature", () => {
    fc.assert(
      fc.property(eventArbitrary, versionArbitrary, (raw, version) => {
        const event = JSON.parse(JSON.stringify(raw)) as JsonObject;
        const signed = signEvent(event, version, "example.org", "ed25519:1", SEED);
        const keys = { "example.org": { "ed25519:1": KEY.publicKey } };
        expect(verifyEvent(signed, version, keys)).toMatchObject({ signaturesValid: true, contentHashMatches: true });
        for (const field of ["type", "room_id", "origin_server_ts", "depth", "prev_events", "hashes"]) {
          const tampered = { ...signed, [field]: field === "prev_events" ? ["$zzz"] : field === "hashes" ? { sha256: "x" } : typeof signed[field] === "number" ? (signed[field] as number) + 1 : "changed" };
          expect(verifyEvent(tampered, version, keys).signaturesValid).toBe(false);
        }
        // Unsigned data and the content hash are outside the signature: the hash catches content edits.
        const edited = verifyEvent({ ...signed, content: { ...(signed["content"] as JsonObject), extra: "x" }, unsigned: {} }, version, keys);
        expect(edited.contentHashMatches).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("redaction is idempotent, keeps content an object, and preserves the event ID and signature", () => {
    fc.assert(
      fc.property(eventArbitrary, versionArbitrary, (raw, version) => {
        const event = signEvent(JSON.parse(JSON.stringify(raw)) as JsonObject, version, "example.org", "ed25519:1", SEED);
        const once = redactEvent(event, version);
        expect(redactEvent(once, version)).toEqual(once);
        expect(once["content"]).toBeTypeOf("object");
        expect(computeEventId(once, version)).toBe(computeEventId(event, version));
        expect(verifyEvent(once, version, { "example.org": { "ed25519:1": KEY.publicKey } }).signaturesValid).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("v1–2 events also need the event ID's server to sign", () => {
    const event = signEvent({ type: "m.room.message", sender: "@a:one.org", event_id: "$x:two.org", content: {}, origin_server_ts: 1 }, "1", "one.org", "ed25519:1", SEED);
    const result = verifyEvent(event, "1", { "one.org": { "ed25519:1": KEY.publicKey } });
    expect(result.requiredServers).toEqual(["one.org", "two.org"]);
    expect(result.signaturesValid).toBe(false);
  });

  it("from v5, a key that expired before the event was sent does not count", () => {
    const event = signEvent({ type: "m.room.message", sender: "@a:one.org", room_id: "!r:one.org", content: {}, origin_server_ts: 5000 }, "5", "one.org", "ed25519:1", SEED);
    const expired = { "one.org": { "ed25519:1": { key: KEY.publicKeyBase64, validUntilTs: 4000 } } };
    expect(verifyEvent(event, "5", expired).signaturesValid).toBe(false);
    expect(verifyEvent(event, "4", expired).signaturesValid).toBe(true);
  });
});

describe("redaction by room version", () => {
  const member = { type: "m.room.member", sender: "@a:x", state_key: "@a:x", origin: "x", membership: "join", content: { membership: "join", displayname: "A", join_authorised_via_users_server: "@b:x", third_party_invite: { display_name: "d", signed: { mxid: "@a:x" } } } };
  it.each([
    ["8", { membership: "join" }, true],
    ["9", { membership: "join", join_authorised_via_users_server: "@b:x" }, true],
    ["11", { membership: "join", join_authorised_via_users_server: "@b:x", third_party_invite: { signed: { mxid: "@a:x" } } }, false],
  ])("m.room.member in v%s", (version, content, keepsOrigin) => {
    const redacted = redactEvent(member, version);
    expect(redacted["content"]).toEqual(content);
    expect("origin" in redacted).toBe(keepsOrigin);
    expect("membership" in redacted).toBe(keepsOrigin);
  });

  it.each([
    ["m.room.create", { creator: "@a:x", room_version: "5", other: 1 }, "10", { creator: "@a:x" }],
    ["m.room.create", { creator: "@a:x", room_version: "11", other: 1 }, "11", { creator: "@a:x", room_version: "11", other: 1 }],
    ["m.room.join_rules", { join_rule: "restricted", allow: [], x: 1 }, "7", { join_rule: "restricted" }],
    ["m.room.join_rules", { join_rule: "restricted", allow: [], x: 1 }, "8", { join_rule: "restricted", allow: [] }],
    ["m.room.power_levels", { ban: 1, invite: 2, notifications: {} }, "10", { ban: 1 }],
    ["m.room.power_levels", { ban: 1, invite: 2, notifications: {} }, "11", { ban: 1, invite: 2 }],
    ["m.room.aliases", { aliases: ["#a:x"] }, "5", { aliases: ["#a:x"] }],
    ["m.room.aliases", { aliases: ["#a:x"] }, "6", {}],
    ["m.room.history_visibility", { history_visibility: "shared", x: 1 }, "1", { history_visibility: "shared" }],
    ["m.room.redaction", { redacts: "$e", reason: "r" }, "10", {}],
    ["m.room.redaction", { redacts: "$e", reason: "r" }, "11", { redacts: "$e" }],
  ])("%s %j in v%s", (type, content, version, kept) => {
    expect(redactEvent({ type, content, sender: "@a:x" }, version)["content"]).toEqual(kept);
  });
});

describe("v12 room IDs", () => {
  it("are ! plus the create event's URL-safe reference hash", () => {
    const create = { type: "m.room.create", state_key: "", sender: "@a:x", content: { room_version: "12" }, origin_server_ts: 1, depth: 1, prev_events: [], auth_events: [] };
    const roomId = roomIdFromCreateEvent(create);
    expect(roomId).toBe(`!${computeEventId(create, "12").slice(1)}`);
    expect(roomId).toMatch(/^![A-Za-z0-9_-]{43}$/);
    expect(() => roomIdFromCreateEvent({ ...create, content: { room_version: "11" } })).toThrow(/chosen by the creating server/);
  });
});
