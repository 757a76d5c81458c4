import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { MatrixClient } from "../../../src/client/client.ts";
import { crossSigningKeysFor, deviceKeysFor, oneTimeKeys } from "../../../src/client/device-keys.ts";
import { endpoints } from "../../../src/client/endpoints.ts";
import { SchemaViolationError } from "../../../src/client/errors.ts";
import { expectMatrixError } from "../../../src/client/matchers.ts";
import { readUntil } from "../../../src/client/poll.ts";
import { withPasswordAuth } from "../../../src/client/uia.ts";
import { decodeBase64 } from "../../../src/protocol/base64.ts";
import type { JsonObject } from "../../../src/protocol/json.ts";
import { signedBytesOf, verifyBytes } from "../../../src/protocol/signing.ts";
import { FAKE_TOKEN, FakeHomeserver } from "./fake-homeserver.ts";

let hs: FakeHomeserver;
beforeEach(async () => {
  hs = await new FakeHomeserver().start();
});
afterEach(async () => {
  await hs.stop();
});

const client = () => new MatrixClient({ baseUrl: hs.baseUrl, accessToken: FAKE_TOKEN, userId: "@a:fake.test", timeoutMs: 2_000 });

describe("raw requests (content repository)", () => {
  test("a binary success body is returned as bytes with its type", async () => {
    hs.overrides.set("/_matrix/client/v1/media/download/fake.test/abc", { kind: "text", status: 200, body: "bytes!", contentType: "application/octet-stream" });
    const res = await client().raw(endpoints.mediaDownload, { path: { serverName: "fake.test", mediaId: "abc" } });
    expect(res).toMatchObject({ status: 200, ok: true, contentType: "application/octet-stream" });
    expect(res.bytes.toString()).toBe("bytes!");
  });

  test("an error must still be the standard error body", async () => {
    hs.overrides.set("/_matrix/client/v1/media/download/fake.test/abc", { kind: "json", status: 404, body: { error: "no errcode" } });
    await expect(client().raw(endpoints.mediaDownload, { path: { serverName: "fake.test", mediaId: "abc" } })).rejects.toBeInstanceOf(SchemaViolationError);
  });

  test("a static document's error may be anything when standard errors are off", async () => {
    hs.overrides.set("/.well-known/matrix/support", { kind: "text", status: 404, body: "<html>not here</html>", contentType: "text/html" });
    const res = await client().raw(endpoints.wellKnownSupport, { standardErrors: false });
    expect(res.status).toBe(404);
  });

  test("a static document's JSON error body is not held to the document's schema when standard errors are off", async () => {
    hs.overrides.set("/.well-known/matrix/support", { kind: "json", status: 404, body: { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" } });
    const res = await client().raw(endpoints.wellKnownSupport, { standardErrors: false });
    expect(res).toMatchObject({ status: 404, ok: false, json: { errcode: "M_UNRECOGNIZED" } });
  });

  test("expectMatrixError names the expected and actual errcode", async () => {
    hs.overrides.set("/_matrix/client/v1/media/download/fake.test/abc", { kind: "json", status: 403, body: { errcode: "M_FORBIDDEN" } });
    const res = await client().raw(endpoints.mediaDownload, { path: { serverName: "fake.test", mediaId: "abc" } });
    expect(() => expectMatrixError(res, 404, "M_NOT_FOUND")).toThrow(/expected HTTP 404 M_NOT_FOUND, got HTTP 403 M_FORBIDDEN/);
  });
});

describe("user-interactive auth", () => {
  test("a 401 without the password stage fails with what the server offered", async () => {
    hs.overrides.set("/_matrix/client/v3/account/password", { kind: "json", status: 401, body: { session: "s", flows: [{ stages: ["m.login.email.identity"] }] } });
    await expect(withPasswordAuth(client(), endpoints.changePassword, "pw", { body: { new_password: "x" } })).rejects.toThrow(/no user-interactive auth flow offers m.login.password/);
  });

  test("an answer other than 401 is returned as it is, without a second request", async () => {
    hs.overrides.set("/_matrix/client/v3/account/password", { kind: "json", status: 200, body: {} });
    const res = await withPasswordAuth(client(), endpoints.changePassword, "pw", { body: { new_password: "x" } });
    expect(res.status).toBe(200);
    expect(hs.requests.filter((r) => r.path === "/_matrix/client/v3/account/password")).toHaveLength(1);
  });
});

describe("readUntil", () => {
  test("returns the first accepted value", async () => {
    let n = 0;
    await expect(readUntil("n to reach 3", async () => ++n, (v) => v === 3)).resolves.toBe(3);
  });

  test("gives up after its attempts, naming what it waited for and the last value", async () => {
    await expect(readUntil("never", async () => "x", () => false, { maxAttempts: 2, timeoutMs: 5_000 })).rejects.toThrow(/for never; last value: "x"/);
  });
});

describe("end-to-end key material", () => {
  const verify = (object: JsonObject & { signatures: Record<string, Record<string, string>> }, userId: string, keyId: string, publicKey: string) =>
    verifyBytes(signedBytesOf(object), decodeBase64(object.signatures[userId]?.[keyId] ?? ""), decodeBase64(publicKey));

  test("device keys are self-signed by the device's ed25519 key", () => {
    const { deviceKeys, signingKey } = deviceKeysFor("@a:fake.test", "DEV");
    expect(verify(deviceKeys, "@a:fake.test", "ed25519:DEV", signingKey.publicKey)).toBe(true);
    const [otk] = Object.values(oneTimeKeys("@a:fake.test", "DEV", signingKey, 1)) as (JsonObject & { signatures: Record<string, Record<string, string>> })[];
    expect(otk && verify(otk, "@a:fake.test", "ed25519:DEV", signingKey.publicKey)).toBe(true);
  });

  test("the self- and user-signing keys are signed by the master key", () => {
    const keys = crossSigningKeysFor("@a:fake.test");
    const masterId = `ed25519:${keys.master.publicKey}`;
    for (const name of ["self_signing_key", "user_signing_key"]) {
      expect(verify(keys.body[name] as JsonObject & { signatures: Record<string, Record<string, string>> }, "@a:fake.test", masterId, keys.master.publicKey)).toBe(true);
    }
  });
});
