import { expect } from "vitest";
import type { Endpoint } from "../../src/client/endpoint.ts";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError, expectStatus } from "../../src/client/matchers.ts";
import { withPasswordAuth } from "../../src/client/uia.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("password change", () => {
  test("the new password logs in and the old one no longer does", covers([endpoints.changePassword, endpoints.login], "client-server-api/#post_matrixclientv3accountpassword"), async ({ account, anonymous }) => {
    const { client, localpart, password } = account;
    const newPassword = `${password}-changed`;
    client.must(await withPasswordAuth(client, endpoints.changePassword, password, { body: { new_password: newPassword, logout_devices: false } }));
    client.must(await anonymous.loginWithPassword(localpart, newPassword));
    expectMatrixError(await anonymous.loginWithPassword(localpart, password), 403, "M_FORBIDDEN");
    // logout_devices: false keeps the session that changed the password.
    client.must(await client.call(endpoints.whoami));
  });

  test("without user-interactive auth the server answers 401 with the flows", covers([endpoints.changePassword], "client-server-api/#user-interactive-authentication-api"), async ({ account }) => {
    const res = await account.client.call(endpoints.changePassword, { body: { new_password: "never-set-0" } });
    expectStatus(res, 401);
    expect((res.body as { flows?: unknown[] }).flows?.length).toBeGreaterThan(0);
  });

  test("a wrong current password is 401 M_FORBIDDEN", covers([endpoints.changePassword], "client-server-api/#user-interactive-authentication-api"), async ({ account }) => {
    const res = await withPasswordAuth(account.client, endpoints.changePassword, "not-the-password", { body: { new_password: "never-set-1" } });
    // A failed stage repeats the 401 with the errcode of the failure.
    expectMatrixError(res, 401, "M_FORBIDDEN");
  });

  test("logout_devices ends the account's other sessions", covers([endpoints.changePassword, endpoints.login], "client-server-api/#post_matrixclientv3accountpassword"), async ({ account, anonymous }) => {
    const other = anonymous.withCredentials({});
    const login = other.must(await anonymous.loginWithPassword(account.localpart, account.password));
    const second = anonymous.withCredentials({ accessToken: login.access_token, userId: login.user_id, deviceId: login.device_id });
    account.client.must(await withPasswordAuth(account.client, endpoints.changePassword, account.password, { body: { new_password: `${account.password}-2`, logout_devices: true } }));
    expectMatrixError(await second.call(endpoints.whoami), 401, "M_UNKNOWN_TOKEN");
    account.client.must(await account.client.call(endpoints.whoami));
  });
});

describe("deactivation", () => {
  test("a deactivated account can no longer log in", covers([endpoints.deactivate, endpoints.login], "client-server-api/#post_matrixclientv3accountdeactivate"), async ({ account, anonymous }) => {
    const body = account.client.must(await withPasswordAuth(account.client, endpoints.deactivate, account.password, { body: {} }));
    expect(body.id_server_unbind_result).toMatch(/^(success|no-support)$/);
    expectMatrixError(await account.client.call(endpoints.whoami), 401, "M_UNKNOWN_TOKEN");
    expect((await anonymous.loginWithPassword(account.localpart, account.password)).status).toBe(403);
  });

  test("logging in to a deactivated account is 403 M_USER_DEACTIVATED", covers([endpoints.deactivate, endpoints.login], "client-server-api/#post_matrixclientv3login"), async ({ account, anonymous }) => {
    account.client.must(await withPasswordAuth(account.client, endpoints.deactivate, account.password, { body: {} }));
    // The login endpoint's 403 lists M_USER_DEACTIVATED for "the user has been deactivated".
    expectMatrixError(await anonymous.loginWithPassword(account.localpart, account.password), 403, "M_USER_DEACTIVATED");
  });

  test("deactivation without a valid password is 401 M_FORBIDDEN", covers([endpoints.deactivate], "client-server-api/#post_matrixclientv3accountdeactivate"), async ({ account }) => {
    expectMatrixError(await withPasswordAuth(account.client, endpoints.deactivate, "wrong-password", { body: {} }), 401, "M_FORBIDDEN");
    account.client.must(await account.client.call(endpoints.whoami));
  });
});

describe("third-party identifiers", () => {
  test("a new account has no 3PIDs", covers([endpoints.threepids], "client-server-api/#get_matrixclientv3account3pid"), async ({ alice }) => {
    expect(alice.must(await alice.call(endpoints.threepids)).threepids).toEqual([]);
  });

  test("listing 3PIDs without a token is M_MISSING_TOKEN", covers([endpoints.threepids], "client-server-api/#get_matrixclientv3account3pid"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.threepids), 401, "M_MISSING_TOKEN");
  });

  test("deleting a 3PID the account does not have succeeds with an unbind result", covers([endpoints.deleteThreepid], "client-server-api/#post_matrixclientv3account3piddelete"), async ({ alice }) => {
    const res = await alice.call(endpoints.deleteThreepid, { body: { medium: "email", address: "nobody@example.invalid" } });
    // The endpoint lists no error response at all, only 200 with the unbind result: deleting is idempotent.
    expect(alice.must(res).id_server_unbind_result).toMatch(/^(success|no-support)$/);
  });

  test("adding a 3PID with an unknown validation session is refused with M_THREEPID_AUTH_FAILED", covers([endpoints.addThreepid], "client-server-api/#post_matrixclientv3account3pidadd"), async ({ account }) => {
    const res = await withPasswordAuth(account.client, endpoints.addThreepid, account.password, { body: { client_secret: "gauntletSecret1", sid: "no-such-session" } });
    expect(res.status).toBe(400);
    expect((res.body as { errcode?: string }).errcode).toBe("M_THREEPID_AUTH_FAILED");
  });
});

describe("refresh tokens", () => {
  test("a login that asks for a refresh token gets one that refreshes", covers([endpoints.login, endpoints.refresh], "client-server-api/#refreshing-access-tokens"), async ({ account, anonymous }) => {
    const login = anonymous.must(await anonymous.loginWithPassword(account.localpart, account.password, { refresh_token: true }));
    expect(login.refresh_token).toEqual(expect.any(String));
    expect(login.expires_in_ms).toBeGreaterThan(0);
    const refreshed = anonymous.must(await anonymous.call(endpoints.refresh, { body: { refresh_token: login.refresh_token }, auth: false }));
    expect(refreshed.access_token).not.toBe(login.access_token);
    const client = anonymous.withCredentials({ accessToken: refreshed.access_token, userId: login.user_id });
    expect(client.must(await client.call(endpoints.whoami)).user_id).toBe(login.user_id);
  });

  test("an unknown refresh token is 401 M_UNKNOWN_TOKEN", covers([endpoints.refresh], "client-server-api/#post_matrixclientv3refresh"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.refresh, { body: { refresh_token: "gauntlet-not-a-refresh-token" }, auth: false }), 401, "M_UNKNOWN_TOKEN");
  });
});

describe("OpenID tokens", () => {
  test("a user gets an OpenID token naming its server", covers([endpoints.openIdToken], "client-server-api/#openid"), async ({ alice, hs }) => {
    const token = alice.must(await alice.call(endpoints.openIdToken, { path: { userId: alice.userId }, body: {} }));
    expect(token.matrix_server_name).toBe(hs.serverName);
  });

  test("a token for another user is 403 M_FORBIDDEN", covers([endpoints.openIdToken], "client-server-api/#post_matrixclientv3useruseridopenidrequest_token"), async ({ alice, bob }) => {
    expectMatrixError(await alice.call(endpoints.openIdToken, { path: { userId: bob.userId }, body: {} }), 403, "M_FORBIDDEN");
  });
});

describe("whois", () => {
  test("a user may look up its own sessions", covers([endpoints.whois], "client-server-api/#get_matrixclientv3adminwhoisuserid"), async ({ alice }) => {
    const info = alice.must(await alice.call(endpoints.whois, { path: { userId: alice.userId } }));
    expect(info.user_id).toBe(alice.userId);
    const sessions = Object.values(info.devices ?? {}).flatMap((d) => d.sessions ?? []);
    expect(sessions.length).toBeGreaterThan(0);
  });

  test("whois keys sessions by device ID", covers([endpoints.whois], "client-server-api/#get_matrixclientv3adminwhoisuserid"), async ({ alice }) => {
    const info = alice.must(await alice.call(endpoints.whois, { path: { userId: alice.userId } }));
    // "devices: Each key is an identifier for one of the user's devices."
    expect(Object.keys(info.devices ?? {})).toContain(alice.deviceId);
  });

  test("a non-admin looking up another user is 403 M_FORBIDDEN", covers([endpoints.whois], "client-server-api/#get_matrixclientv3adminwhoisuserid"), async ({ alice, bob }) => {
    expectMatrixError(await alice.call(endpoints.whois, { path: { userId: bob.userId } }), 403, "M_FORBIDDEN");
  });
});

describe("account moderation", () => {
  for (const [name, ep] of [
    ["suspension", endpoints.getSuspended as Endpoint],
    ["lock", endpoints.getLocked as Endpoint],
  ] as const) {
    test(`reading another user's ${name} status as a non-admin is 403 M_FORBIDDEN, or 404 M_UNRECOGNIZED where moderation is not offered`, covers([ep], "client-server-api/#account-moderation"), async ({ alice, bob }) => {
      const res = await alice.call(ep, { path: { userId: bob.userId } });
      // "403: The requesting user is not a server administrator ... The errcode is M_FORBIDDEN"; a server without the
      // module answers as for any endpoint it does not implement, 404 M_UNRECOGNIZED (client-server-api/#common-error-codes).
      expect([403, 404]).toContain(res.status);
      expect((res.body as { errcode?: string }).errcode).toBe(res.status === 403 ? "M_FORBIDDEN" : "M_UNRECOGNIZED");
    });
  }
  for (const [name, ep, field] of [
    ["suspend", endpoints.setSuspended as Endpoint, "suspended"],
    ["lock", endpoints.setLocked as Endpoint, "locked"],
  ] as const) {
    test(`a non-admin may not ${name} a user: 403 M_FORBIDDEN, or 404 M_UNRECOGNIZED where moderation is not offered`, covers([ep], "client-server-api/#account-moderation"), async ({ alice, bob }) => {
      const res = await alice.call(ep, { path: { userId: bob.userId }, body: { [field]: true } });
      // As for reading the status: 403 for a non-administrator, 404 where the module is not offered.
      expect([403, 404]).toContain(res.status);
      expectMatrixError(res, res.status, res.status === 403 ? "M_FORBIDDEN" : "M_UNRECOGNIZED");
      bob.must(await bob.call(endpoints.whoami));
    });
  }
});

describe("filters", () => {
  test("an uploaded filter reads back as uploaded", covers([endpoints.createFilter, endpoints.getFilter], "client-server-api/#filtering"), async ({ alice }) => {
    const filter = { room: { timeline: { limit: 7, types: ["m.room.message"] } }, presence: { not_types: ["*"] }, event_fields: ["type", "content.body"] };
    const { filter_id } = alice.must(await alice.call(endpoints.createFilter, { path: { userId: alice.userId }, body: filter }));
    expect(alice.must(await alice.call(endpoints.getFilter, { path: { userId: alice.userId, filterId: filter_id } }))).toMatchObject(filter);
  });

  test("an unknown filter ID is M_NOT_FOUND", covers([endpoints.getFilter], "client-server-api/#get_matrixclientv3useruseridfilterfilterid"), async ({ alice }) => {
    expectMatrixError(await alice.call(endpoints.getFilter, { path: { userId: alice.userId, filterId: "987654321" } }), 404, "M_NOT_FOUND");
  });

  test("uploading a filter for another user is 403 M_FORBIDDEN", covers([endpoints.createFilter], "client-server-api/#post_matrixclientv3useruseridfilter"), async ({ alice, bob }) => {
    expectMatrixError(await alice.call(endpoints.createFilter, { path: { userId: bob.userId }, body: {} }), 403, "M_FORBIDDEN");
  });
});
