import { endpoints } from "../../../src/client/endpoints.ts";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { MatrixClient } from "../../../src/client/client.ts";
import { HomeserverUnreachableError, SchemaViolationError, UnexpectedResponseError } from "../../../src/client/errors.ts";
import { expectMatrixError } from "../../../src/client/matchers.ts";
import { registerWithDummyAuth } from "../../../src/client/registration.ts";
import { FAKE_TOKEN, FakeHomeserver } from "./fake-homeserver.ts";

let hs: FakeHomeserver;

beforeEach(async () => {
  hs = await new FakeHomeserver().start();
});
afterEach(async () => {
  await hs.stop();
});

function client(timeoutMs = 2_000) {
  return new MatrixClient({ baseUrl: hs.baseUrl, accessToken: FAKE_TOKEN, userId: "@a:fake.test", timeoutMs });
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the request to fail");
}

describe("MatrixClient against a misbehaving homeserver", () => {
  test("a hung endpoint fails after the timeout with the request and a hint", async () => {
    hs.overrides.set("/_matrix/client/v3/capabilities", { kind: "hang" });
    const started = Date.now();
    const error = await failureOf(client(300).call(endpoints.capabilities));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(HomeserverUnreachableError);
    expect(error.message).toContain("→ GET /_matrix/client/v3/capabilities");
    expect(error.message).toContain("timeout after 300 ms");
    expect(error.message).toMatch(/hint: the homeserver did not answer in time/);
  });

  test("a non-JSON answer fails with the status, the text and a hint", async () => {
    hs.overrides.set("/_matrix/client/versions", { kind: "text", status: 502, body: "<html>Bad Gateway</html>" });
    const error = await failureOf(client().call(endpoints.versions, { auth: false }));
    expect(error).toBeInstanceOf(HomeserverUnreachableError);
    expect(error.message).toContain("expected a JSON body, got HTTP 502");
    expect(error.message).toContain("Bad Gateway");
    expect(error.message).toContain("hint: the homeserver failed internally");
  });

  test("a 500 with a standard error is a response the test can assert on, and must() reports it", async () => {
    hs.overrides.set("/_matrix/client/versions", { kind: "json", status: 500, body: { errcode: "M_UNKNOWN", error: "Internal server error" } });
    const c = client();
    const response = await c.call(endpoints.versions, { auth: false });
    expect(response.status).toBe(500);
    const error = (() => {
      try {
        c.must(response);
      } catch (e) {
        return e as Error;
      }
      throw new Error("must() accepted a 500");
    })();
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toContain("expected HTTP 200, got 500 M_UNKNOWN");
    expect(error.message).toContain('{"errcode":"M_UNKNOWN","error":"Internal server error"}');
  });

  test("a reset connection fails with a hint that the server may have crashed", async () => {
    hs.overrides.set("/_matrix/client/versions", { kind: "reset" });
    const error = await failureOf(client().call(endpoints.versions, { auth: false }));
    expect(error).toBeInstanceOf(HomeserverUnreachableError);
    expect(error.message).toMatch(/hint: the homeserver (closed the connection|did not answer|failed)|hint: the request did not complete/);
  });

  test("a server that died refuses connections, and the hint says it has probably exited", async () => {
    await hs.stop();
    const error = await failureOf(client().call(endpoints.versions, { auth: false }));
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).toContain("has probably exited");
    hs = await new FakeHomeserver().start(); // for afterEach
  });
});

describe("schema validation", () => {
  test("a success body that violates the schema names the JSON path, the expectation and the value", async () => {
    hs.overrides.set("/_matrix/client/versions", { kind: "json", status: 200, body: { versions: ["v1.11", 7] } });
    const error = await failureOf(client().call(endpoints.versions, { auth: false }));
    expect(error).toBeInstanceOf(SchemaViolationError);
    expect(error.message).toContain("at $.versions[1]: expected string, got 7 (number)");
  });

  test("an absent required key is reported as absent", async () => {
    hs.overrides.set("/.well-known/matrix/client", { kind: "json", status: 200, body: {} });
    const error = await failureOf(client().call(endpoints.wellKnownClient, { auth: false }));
    expect(error.message).toContain('at $["m.homeserver"]: expected object, got nothing (the key is absent)');
  });

  test("an error body without errcode violates the standard error format", async () => {
    hs.overrides.set("/_matrix/client/v3/capabilities", { kind: "json", status: 403, body: { message: "no" } });
    const error = await failureOf(client().call(endpoints.capabilities));
    expect(error).toBeInstanceOf(SchemaViolationError);
    expect(error.message).toContain("at $.errcode");
  });
});

describe("matchers", () => {
  test("expectMatrixError accepts the right status and errcode and rejects others", async () => {
    hs.overrides.set("/_matrix/client/v3/capabilities", { kind: "json", status: 403, body: { errcode: "M_FORBIDDEN", error: "no" } });
    const response = await client().call(endpoints.capabilities);
    expect(() => expectMatrixError(response, 403, "M_FORBIDDEN")).not.toThrow();
    expect(() => expectMatrixError(response, 403, "M_UNKNOWN_TOKEN")).toThrow(/expected HTTP 403 M_UNKNOWN_TOKEN, got HTTP 403 M_FORBIDDEN/);
    expect(() => expectMatrixError(response, 401, "M_FORBIDDEN")).toThrow(/got HTTP 403/);
  });
});

describe("secrets", () => {
  test("access tokens and passwords never appear in failure messages", async () => {
    const account = await registerWithDummyAuth(hs.baseUrl, "someone", "a-very-secret-password-1");
    expect(account.accessToken).toBe(FAKE_TOKEN);
    const c = new MatrixClient({ baseUrl: hs.baseUrl, accessToken: account.accessToken, timeoutMs: 2_000 });
    // The server echoes the token in an error, as a careless implementation might.
    hs.overrides.set("/_matrix/client/v3/capabilities", { kind: "json", status: 500, body: { errcode: "M_UNKNOWN", error: `bad token ${FAKE_TOKEN}`, password: "a-very-secret-password-1" } });
    const response = await c.call(endpoints.capabilities);
    const error = (() => {
      try {
        c.must(response);
      } catch (e) {
        return e as Error;
      }
      throw new Error("must() accepted a 500");
    })();
    expect(hs.requests.at(-1)?.authorization).toBe(`Bearer ${FAKE_TOKEN}`);
    expect(error.message).not.toContain(FAKE_TOKEN);
    expect(error.message).not.toContain("a-very-secret-password-1");
    expect(error.message).toContain("<redacted>");
  });

  test("registration request bodies are logged without the password", async () => {
    hs.overrides.set("/_matrix/client/v3/register", { kind: "json", status: 500, body: { errcode: "M_UNKNOWN" } });
    const error = await failureOf(registerWithDummyAuth(hs.baseUrl, "someone", "another-secret-password-2"));
    expect(error.message).toContain('"password":"<redacted>"');
    expect(error.message).not.toContain("another-secret-password-2");
  });
});
