import nacl from "tweetnacl";
import { describe, expect, test } from "vitest";
import { verifySignedJson } from "../../../src/verify/signed-json.ts";

// Appendices "Cryptographic Test Vectors": seed, server name `domain`, key ID `ed25519:1`.
const seed = Buffer.from("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1", "base64");
const keyPair = nacl.sign.keyPair.fromSeed(new Uint8Array(seed));
const publicKey = Buffer.from(keyPair.publicKey).toString("base64").replace(/=+$/, "");

describe("verifySignedJson", () => {
  test("the spec's signed {} verifies", () => {
    const signed = { signatures: { domain: { "ed25519:1": "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ" } } };
    expect(verifySignedJson(signed, "domain", { "ed25519:1": publicKey })).toEqual({ valid: true, keyId: "ed25519:1" });
  });

  test("the spec's signed {one, two} verifies and fails once a value changes", () => {
    const signature = "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw";
    const signed = { one: 1, two: "Two", unsigned: { ignored: true }, signatures: { domain: { "ed25519:1": signature } } };
    expect(verifySignedJson(signed, "domain", { "ed25519:1": publicKey }).valid).toBe(true);
    expect(verifySignedJson({ ...signed, two: "Three" }, "domain", { "ed25519:1": publicKey })).toEqual({ valid: false, reason: "ed25519:1: signature does not match the content" });
  });

  test("missing entity, unknown key and garbage signature each say why", () => {
    expect(verifySignedJson({ signatures: {} }, "domain", {})).toEqual({ valid: false, reason: "no signature by domain" });
    expect(verifySignedJson({ signatures: { domain: { "ed25519:2": "AAAA" } } }, "domain", { "ed25519:1": publicKey })).toEqual({ valid: false, reason: "ed25519:2: no such key in verify_keys" });
    expect(verifySignedJson({ signatures: { domain: { "ed25519:1": "AAAA" } } }, "domain", { "ed25519:1": publicKey })).toEqual({ valid: false, reason: "ed25519:1: signature is not 64 bytes of base64" });
  });
});
