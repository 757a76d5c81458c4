import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  computeContentHash,
  computeEventId,
  decodeBase64,
  encodeBase64,
  redactEvent,
  signEvent,
  signingKeyFromSeed,
  signJson,
  verifyEvent,
  verifyJson,
  type JsonObject,
} from "../../../src/protocol/index.ts";

// Published vectors: appendices "Cryptographic Test Vectors", Synapse test_event_signing.py,
// gomatrixserverlib eventcrypto_test.go, Synapse rust/src/events/utils.rs.

const SEED = decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1");
const KEY = signingKeyFromSeed(SEED);

describe("signing key seed", () => {
  it("decodes the seed despite non-zero padding bits", () => {
    expect(Buffer.from(SEED).toString("hex")).toBe("6090c103d5e7af6b15a970fd563ed75549e6159719ae5c3c31dee4316fb75c0d");
    expect(encodeBase64(SEED)).toBe("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA0");
  });
});

describe("JSON signing vectors", () => {
  it.each([
    [{}, "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"],
    [{ one: 1, two: "Two" }, "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"],
  ])("signs %j", (object, signature) => {
    const signed = signJson(object as JsonObject, "domain", "ed25519:1", SEED);
    expect(signed["signatures"]).toEqual({ domain: { "ed25519:1": signature } });
    expect(verifyJson(signed, "domain", "ed25519:1", KEY.publicKey)).toBe(true);
  });
});

interface EventVector {
  name: string;
  event: JsonObject;
  hash: string;
  signature: string;
}

const EVENT_VECTORS: EventVector[] = [
  {
    name: "minimal event (appendices)",
    event: JSON.parse(
      '{"room_id":"!x:domain","sender":"@a:domain","origin":"domain","origin_server_ts":1000000,"signatures":{},"hashes":{},"type":"X","content":{},"prev_events":[],"auth_events":[],"depth":3,"unsigned":{"age_ts":1000000}}',
    ),
    hash: "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos",
    signature: "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg",
  },
  {
    name: "redactable event (appendices)",
    event: JSON.parse(
      '{"content":{"body":"Here is the message content"},"event_id":"$0:domain","origin":"domain","origin_server_ts":1000000,"type":"m.room.message","room_id":"!r:domain","sender":"@u:domain","signatures":{},"unsigned":{"age_ts":1000000}}',
    ),
    hash: "onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g",
    signature: "Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA",
  },
  {
    name: "Synapse minimal event",
    event: { event_id: "$0:domain", origin_server_ts: 1000000, signatures: {}, type: "X", content: {}, unsigned: { age_ts: 1000000 } },
    hash: "mq4QfPPpC+QsBd6eqfVsmJIEz8uvMSVK0+AU67PLESk",
    signature: "18rGIkd4JJXxw9m+1j3BtN+TmqmLip4VHvFbyXLngpBLXOqbxlQViQABRzep2cODQ2aa5FnFgz+Llt2P03WiAw",
  },
  {
    name: "Synapse message event without origin",
    event: {
      content: { body: "Here is the message content" },
      event_id: "$0:domain",
      origin_server_ts: 1000000,
      type: "m.room.message",
      room_id: "!r:domain",
      sender: "@u:domain",
      signatures: {},
      unsigned: { age_ts: 1000000 },
    },
    hash: "rDCeYBepPlI891h/RkI2/Lkf9bt7u0TxFku4tMs7WKk",
    signature: "Ay4aj2b5oJ1k8INYZ9n3KnszCflM0emwcmQQ7vxpbdcSv9bkJxIZdWX1IJllcZLq89+D3sSabE+vqPtZs9akDw",
  },
  {
    name: "gomatrixserverlib event without content",
    event: { event_id: "$0:domain", origin: "domain", origin_server_ts: 1000000, type: "X" },
    hash: "6tJjLpXtggfke8UxFhAKg82QVkJzvKOVOOSjUDK4ZSI",
    signature: "2Wptgo4CwmLo/Y8B8qinxApKaCkBG2fjTWB7AbP5Uy+aIbygsSdLOFzvdDjww8zUVKCmI02eP9xtyJxc/cLiBA",
  },
];

describe("event signing vectors (room version 1)", () => {
  it.each(EVENT_VECTORS)("$name: content hash and signature", ({ event, hash, signature }) => {
    expect(computeContentHash(event)).toBe(hash);
    const signed = signEvent(event, "1", "domain", "ed25519:1", SEED);
    expect(signed["hashes"]).toEqual({ sha256: hash });
    expect(signed["signatures"]).toEqual({ domain: { "ed25519:1": signature } });
    expect(signed["unsigned"]).toEqual(event["unsigned"]);
    const verification = verifyEvent(signed, "1", { domain: { "ed25519:1": KEY.publicKey } });
    expect(verification).toMatchObject({ signaturesValid: true, contentHashMatches: true });
  });

  it("redaction adds content {} to an event without content, which the signature covers", () => {
    const [, , , , noContent] = EVENT_VECTORS;
    expect(redactEvent(noContent!.event, "1")["content"]).toEqual({});
  });

  it("the signature survives redacting content and dropping unsigned, but not changing type or hash", () => {
    const signed = signEvent(EVENT_VECTORS[1]!.event, "1", "domain", "ed25519:1", SEED);
    const keys = { domain: { "ed25519:1": KEY.publicKey } };
    const redacted = redactEvent(signed, "1");
    expect(verifyEvent(redacted, "1", keys).signaturesValid).toBe(true);
    const { unsigned: _dropped, ...withoutUnsigned } = signed;
    expect(verifyEvent(withoutUnsigned, "1", keys)).toMatchObject({ signaturesValid: true, contentHashMatches: true });
    expect(verifyEvent({ ...signed, type: "m.room.other" }, "1", keys).signaturesValid).toBe(false);
    expect(verifyEvent({ ...signed, hashes: { sha256: "AAAA" } }, "1", keys).signaturesValid).toBe(false);
    // A changed body keeps the signature (content is redacted away) but breaks the hash.
    const edited = verifyEvent({ ...signed, content: { body: "edited" } }, "1", keys);
    expect(edited).toMatchObject({ signaturesValid: true, contentHashMatches: false });
  });
});

describe("event ID vectors (Synapse rust/src/events/utils.rs)", () => {
  const original: JsonObject = {
    auth_events: [
      "$gbHO7IPUHybc7ULFnT7P0r3iWlZFHGmr6zBfEYCUyKw",
      "$hy1eZFYcgNxMFNNBgCD5fyOzyWRcBkxfNcrUI5ZpZlE",
      "$Nt_z68EwFfPqBeHjzEHGsp461Z4EfNEzR-KH5bOYdOY",
    ],
    prev_events: ["$4FbpZrgPQTwoLD9H5y7jcikucCypUOn78mXhQX7WliY"],
    type: "m.room.message",
    room_id: "!DHmIIVvxFASSFgDGzr:localhost:8008",
    sender: "@tester_b:localhost:8008",
    content: { msgtype: "m.text", body: "invited people can see history", "m.mentions": {} },
    depth: 24,
    origin: "localhost:8008",
    origin_server_ts: 1731769874137,
    hashes: { sha256: "FoYV1w3TW/B2mVT0gX2/BZKpCwrrvGXqXFdUhN9LZYU" },
    signatures: {
      "localhost:8008": {
        "ed25519:a_phSE": "G8cfk/m97sndxMNrEZ2nMMSXkVeJE05G7if4JiVzAwGfD3TwnF/jfSHt2acWrpNqv/aEhZug3WLofc2id+rVBw",
      },
    },
    unsigned: { age_ts: 1731769874137 },
  };

  it("v4+ IDs are URL-safe, v3 standard, and the content hash matches", () => {
    expect(computeContentHash(original)).toBe("FoYV1w3TW/B2mVT0gX2/BZKpCwrrvGXqXFdUhN9LZYU");
    expect(computeEventId(original, "10")).toBe("$zRz9jjiT9wZc3Hl9ij_74aCmTjqV3YMlj9sj3Uqxg6o");
    expect(computeEventId(original, "4")).toBe("$zRz9jjiT9wZc3Hl9ij_74aCmTjqV3YMlj9sj3Uqxg6o");
    expect(computeEventId(original, "3")).toBe("$zRz9jjiT9wZc3Hl9ij/74aCmTjqV3YMlj9sj3Uqxg6o");
  });

  it("the redacted event has the same ID", () => {
    expect(computeEventId(redactEvent(original, "10"), "10")).toBe("$zRz9jjiT9wZc3Hl9ij_74aCmTjqV3YMlj9sj3Uqxg6o");
  });

  it("v1–2 IDs are the opaque event_id the PDU carries", () => {
    expect(computeEventId({ ...original, event_id: "$abc:localhost:8008" }, "2")).toBe("$abc:localhost:8008");
    expect(() => computeEventId(original, "1")).toThrow(/carry their own event_id/);
  });
});

describe("canonical JSON examples (appendices)", () => {
  it.each([
    ["{}", "{}"],
    ['{\n  "one": 1,\n  "two": "Two"\n}', '{"one":1,"two":"Two"}'],
    ['{"b":"2","a":"1"}', '{"a":"1","b":"2"}'],
    [
      '{"auth":{"success":true,"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"medium":"email","address":"john.doe@example.org"},{"medium":"msisdn","address":"123456789"}]}}}',
      '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}',
    ],
    ['{"a":"日本語"}', '{"a":"日本語"}'],
    ['{"本":2,"日":1}', '{"日":1,"本":2}'],
    ['{"a":"\\u65E5"}', '{"a":"日"}'],
    ['{"a":null}', '{"a":null}'],
    ['{"a":-0,"b":1e10}', '{"a":0,"b":10000000000}'],
  ])("%s", (input, output) => {
    expect(canonicalJson(JSON.parse(input))).toBe(output);
  });
});
