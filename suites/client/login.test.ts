import { endpoints } from "../../src/client/endpoints.ts";
import { expect } from "vitest";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("login", () => {
  test("offers the password flow", covers([endpoints.loginFlows], "client-server-api/#get_matrixclientv3login"), async ({ anonymous }) => {
    const { flows } = anonymous.must(await anonymous.call(endpoints.loginFlows, { auth: false }));
    expect(flows.map((flow) => flow.type)).toContain("m.login.password");
  });

  test("logs in with a user ID and password", covers([endpoints.login, endpoints.whoami], "client-server-api/#password-based"), async ({ anonymous, account }) => {
    const session = anonymous.must(await anonymous.loginWithPassword(account.client.userId, account.password));
    expect(session.user_id).toBe(account.client.userId);
    // A new login creates a new device (client-server-api/#relationship-between-access-tokens-and-devices).
    expect(session.device_id).not.toBe(account.client.deviceId);
    const client = anonymous.withCredentials({ accessToken: session.access_token, userId: session.user_id });
    expect(client.must(await client.call(endpoints.whoami)).device_id).toBe(session.device_id);
  });

  test("logs in with the localpart alone", covers([endpoints.login], "client-server-api/#matrix-user-id"), async ({ anonymous, account }) => {
    // m.id.user accepts "either a fully qualified Matrix user ID, or just the localpart".
    const session = anonymous.must(await anonymous.loginWithPassword(account.localpart, account.password));
    expect(session.user_id).toBe(account.client.userId);
  });

  test("reuses a device ID the client supplies", covers([endpoints.login, endpoints.whoami], "client-server-api/#post_matrixclientv3login"), async ({ anonymous, account }) => {
    const session = anonymous.must(await anonymous.loginWithPassword(account.client.userId, account.password, { device_id: "GAUNTLETDEV" }));
    expect(session.device_id).toBe("GAUNTLETDEV");
  });

  test("rejects a wrong password with M_FORBIDDEN", covers([endpoints.login], "client-server-api/#post_matrixclientv3login"), async ({ anonymous, account }) => {
    expectMatrixError(await anonymous.loginWithPassword(account.client.userId, `${account.password}-wrong`), 403, "M_FORBIDDEN");
  });

  test("rejects an unknown user with M_FORBIDDEN", covers([endpoints.login], "client-server-api/#post_matrixclientv3login"), async ({ anonymous, hs }) => {
    expectMatrixError(await anonymous.loginWithPassword(`@nobody-gauntlet-xyz:${hs.serverName}`, "irrelevant-password"), 403, "M_FORBIDDEN");
  });

  test("rejects an unknown login type with M_UNKNOWN", covers([endpoints.login], "client-server-api/#post_matrixclientv3login"), async ({ anonymous, account }) => {
    // "400: Part of the request was invalid. For example, the login type may not be recognised."
    const response = await anonymous.call(endpoints.login, { body: { type: "m.login.gauntlet_nonexistent", identifier: { type: "m.id.user", user: account.localpart } }, auth: false });
    expectMatrixError(response, 400, "M_UNKNOWN");
  });
});

describe("whoami", () => {
  test("names the user and device of the access token", covers([endpoints.whoami], "client-server-api/#get_matrixclientv3accountwhoami"), async ({ alice }) => {
    const whoami = alice.must(await alice.call(endpoints.whoami));
    expect(whoami.user_id).toBe(alice.userId);
    expect(whoami.device_id).toBe(alice.deviceId);
  });

  test("without a token fails with M_MISSING_TOKEN", covers([endpoints.whoami], "client-server-api/#using-access-tokens"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.whoami), 401, "M_MISSING_TOKEN");
  });

  test("with an unknown token fails with M_UNKNOWN_TOKEN", covers([endpoints.whoami], "client-server-api/#using-access-tokens"), async ({ anonymous }) => {
    const stranger = anonymous.withCredentials({ accessToken: "gauntlet-not-a-real-token-0000" });
    expectMatrixError(await stranger.call(endpoints.whoami), 401, "M_UNKNOWN_TOKEN");
  });
});

describe("logout", () => {
  test("invalidates the access token it was called with", covers([endpoints.logout, endpoints.whoami], "client-server-api/#post_matrixclientv3logout"), async ({ anonymous, account }) => {
    const session = anonymous.must(await anonymous.loginWithPassword(account.client.userId, account.password));
    const second = anonymous.withCredentials({ accessToken: session.access_token, userId: session.user_id });
    second.must(await second.call(endpoints.logout, { body: {} }));
    expectMatrixError(await second.call(endpoints.whoami), 401, "M_UNKNOWN_TOKEN");
    // Other devices of the user keep their sessions.
    expect(account.client.must(await account.client.call(endpoints.whoami)).user_id).toBe(account.client.userId);
  });

  test("logout/all invalidates every access token of the user", covers([endpoints.logoutAll, endpoints.whoami], "client-server-api/#post_matrixclientv3logoutall"), async ({ anonymous, account }) => {
    const session = anonymous.must(await anonymous.loginWithPassword(account.client.userId, account.password));
    const second = anonymous.withCredentials({ accessToken: session.access_token, userId: session.user_id });
    account.client.must(await account.client.call(endpoints.logoutAll, { body: {} }));
    expectMatrixError(await account.client.call(endpoints.whoami), 401, "M_UNKNOWN_TOKEN");
    expectMatrixError(await second.call(endpoints.whoami), 401, "M_UNKNOWN_TOKEN");
  });
});
