import { describe, expect, it } from "vitest";
import {
  buildServerKeys,
  keyValidForEvent,
  MAX_KEY_VALIDITY_MS,
  parseXMatrixHeader,
  signingKeyFromSeed,
  signXMatrixRequest,
  verifyServerKeys,
  verifyXMatrixRequest,
} from "../../../src/protocol/index.ts";

const SEED = new Uint8Array(32).fill(3);
const KEY = signingKeyFromSeed(SEED);

describe("X-Matrix header parsing (RFC 9110 auth-params)", () => {
  it.each([
    ['X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF"', "destination.hs.example.com"],
    ['x-matrix   ORIGIN="origin.hs.example.com" , Key="ed25519:key1",\tSig="ABCDEF", destination=destination.hs.example.com', "destination.hs.example.com"],
    ["X-Matrix origin=origin.hs.example.com,key=ed25519:key1,sig=ABCDEF", undefined],
    ['X-Matrix origin="origin.hs\\.example.com",key="ed25519:key1",sig="ABCDEF",unknown="x,y"', undefined],
  ])("%s", (header, destination) => {
    expect(parseXMatrixHeader(header)).toEqual({ origin: "origin.hs.example.com", destination, key: "ed25519:key1", sig: "ABCDEF" });
  });

  it.each([
    ['Bearer origin="a"', /X-Matrix scheme/],
    ['X-Matrix origin="a",key="ed25519:1"', /lacks sig/],
    ['X-Matrix origin="a,key="ed25519:1",sig="x"', /expected ',' at offset|unterminated/],
    ['X-Matrix origin="a",origin="b",key="k",sig="s"', /appears twice/],
  ])("rejects %s", (header, message) => {
    expect(() => parseXMatrixHeader(header)).toThrow(message);
  });
});

describe("X-Matrix request signing", () => {
  const request = { method: "PUT", uri: "/_matrix/federation/v1/send/1?x=1", origin: "origin.example", destination: "dest.example", content: { pdus: [] } };
  const lookup = (origin: string, keyId: string) => (origin === "origin.example" && keyId === "ed25519:a" ? KEY.publicKey : undefined);

  it("round-trips", () => {
    const authorization = signXMatrixRequest(request, "ed25519:a", SEED);
    expect(authorization).toMatch(/^X-Matrix origin="origin.example",destination="dest.example",key="ed25519:a",sig="[A-Za-z0-9+/]+"$/);
    expect(verifyXMatrixRequest({ ...request, authorization }, lookup)).toEqual({ valid: true, origin: "origin.example", problem: undefined });
  });

  it("accepts a header without destination, but not a wrong one", () => {
    const authorization = signXMatrixRequest(request, "ed25519:a", SEED);
    const withoutDestination = authorization.replace(/,destination="[^"]*"/, "");
    expect(verifyXMatrixRequest({ ...request, authorization: withoutDestination }, lookup).valid).toBe(true);
    expect(verifyXMatrixRequest({ ...request, destination: "other.example", authorization }, lookup).problem).toMatch(/this server is other.example/);
  });

  it.each([
    ["uri", { uri: "/_matrix/federation/v1/send/2" }],
    ["method", { method: "POST" }],
    ["content", { content: { pdus: [1] } }],
    ["absent content", { content: undefined }],
  ])("fails when the %s differs", (_name, change) => {
    const authorization = signXMatrixRequest(request, "ed25519:a", SEED);
    expect(verifyXMatrixRequest({ ...request, ...change, authorization }, lookup).valid).toBe(false);
  });
});

describe("server key responses", () => {
  it("builds a self-signed response that verifies", () => {
    const response = buildServerKeys({ serverName: "example.org", keys: [{ keyId: "ed25519:a", seed: SEED }], validUntilTs: 10_000 });
    const result = verifyServerKeys(response, { expectedServerName: "example.org" });
    expect(result).toMatchObject({ valid: true, signedBy: ["ed25519:a"], effectiveValidUntilTs: 10_000, problems: [] });
    expect(result.verifyKeys.get("ed25519:a")).toEqual(KEY.publicKey);
  });

  it("rejects a response signed by a key it does not publish, or about another server", () => {
    const other = new Uint8Array(32).fill(4);
    const response = buildServerKeys({ serverName: "example.org", keys: [{ keyId: "ed25519:a", seed: SEED }], validUntilTs: 1 });
    const swapped = { ...response, verify_keys: { "ed25519:a": { key: signingKeyFromSeed(other).publicKeyBase64 } } };
    expect(verifyServerKeys(swapped).problems).toContain("no valid signature by example.org with a key from its verify_keys");
    expect(verifyServerKeys(response, { expectedServerName: "evil.org" }).valid).toBe(false);
  });

  it("caps validity at seven days after fetching (room v5+)", () => {
    const response = buildServerKeys({ serverName: "example.org", keys: [{ keyId: "ed25519:a", seed: SEED }], validUntilTs: 10 ** 12 });
    expect(verifyServerKeys(response, { fetchedAt: 1000 }).effectiveValidUntilTs).toBe(1000 + MAX_KEY_VALIDITY_MS);
    expect(keyValidForEvent(10 ** 12, 1000 + MAX_KEY_VALIDITY_MS + 1, 1000)).toBe(false);
    expect(keyValidForEvent(10 ** 12, 1000 + MAX_KEY_VALIDITY_MS, 1000)).toBe(true);
  });
});
