import { expect } from "vitest";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError, expectShape } from "../../src/client/matchers.ts";
import { policyServerResponse, supportResponse } from "../../src/client/schemas/room-extras.ts";
import type { MatrixClient } from "../../src/client/client.ts";
import { registerSecret } from "../../src/client/redact.ts";
import { withPasswordAuth } from "../../src/client/uia.ts";
import { covers, describe, test } from "../fixtures.ts";

async function loginTokensEnabled(client: MatrixClient): Promise<boolean> {
  const capability = client.must(await client.call(endpoints.capabilities)).capabilities["m.get_login_token"] as { enabled?: boolean } | undefined;
  return capability?.enabled ?? false;
}

describe("capabilities", () => {
  test("capabilities state the account-management abilities as booleans", covers([endpoints.capabilities], "client-server-api/#capabilities-negotiation"), async ({ alice }) => {
    const { capabilities } = alice.must(await alice.call(endpoints.capabilities));
    for (const name of ["m.change_password", "m.set_displayname", "m.set_avatar_url", "m.3pid_changes", "m.get_login_token"]) {
      const capability = capabilities[name] as { enabled?: unknown } | undefined;
      // Each is optional, but when present it is an object with a boolean `enabled`.
      if (capability !== undefined) expect(typeof capability.enabled).toBe("boolean");
    }
  });

  test("capabilities without a token are 401 M_MISSING_TOKEN", covers([endpoints.capabilities], "client-server-api/#get_matrixclientv3capabilities"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.capabilities, { auth: false }), 401, "M_MISSING_TOKEN");
  });
});

describe("third-party networks", () => {
  test("lookups without a token are 401 M_MISSING_TOKEN", covers([endpoints.thirdPartyProtocols, endpoints.thirdPartyLocationByAlias, endpoints.thirdPartyUserById, endpoints.thirdPartyLocation, endpoints.thirdPartyUser], "client-server-api/#third-party-networks"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.thirdPartyProtocols, { auth: false }), 401, "M_MISSING_TOKEN");
    expectMatrixError(await anonymous.call(endpoints.thirdPartyLocationByAlias, { query: { alias: "#a:b" }, auth: false }), 401, "M_MISSING_TOKEN");
    expectMatrixError(await anonymous.call(endpoints.thirdPartyUserById, { query: { userid: "@a:b" }, auth: false }), 401, "M_MISSING_TOKEN");
    expectMatrixError(await anonymous.call(endpoints.thirdPartyLocation, { path: { protocol: "irc" }, auth: false }), 401, "M_MISSING_TOKEN");
    expectMatrixError(await anonymous.call(endpoints.thirdPartyUser, { path: { protocol: "irc" }, auth: false }), 401, "M_MISSING_TOKEN");
  });
});

describe("application service endpoints", () => {
  test("a user token may not ping an application service: 403 M_FORBIDDEN", covers([endpoints.appservicePing], "application-service-api/#post_matrixclientv1appserviceappserviceidping"), async ({ alice }) => {
    expectMatrixError(await alice.call(endpoints.appservicePing, { path: { appserviceId: "gauntlet" }, body: {} }), 403, "M_FORBIDDEN");
  });

  test("a user token may not publish to a network's room list: 403 M_FORBIDDEN", covers([endpoints.setAppserviceVisibility], "application-service-api/#put_matrixclientv3directorylistappservicenetworkidroomid"), async ({ alice, publicRoom }) => {
    expectMatrixError(await alice.call(endpoints.setAppserviceVisibility, { path: { networkId: "irc", roomId: publicRoom }, body: { visibility: "public" } }), 403, "M_FORBIDDEN");
  });
});

describe("VoIP", () => {
  test("the TURN endpoint returns credentials", covers([endpoints.turnServer], "client-server-api/#get_matrixclientv3voipturnserver"), async ({ alice }) => {
    const turn = alice.must(await alice.call(endpoints.turnServer));
    expect(turn.ttl).toBeGreaterThan(0);
  });

  test("the TURN endpoint without a token is 401 M_MISSING_TOKEN", covers([endpoints.turnServer], "client-server-api/#get_matrixclientv3voipturnserver"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.turnServer, { auth: false }), 401, "M_MISSING_TOKEN");
  });
});

describe("discovery documents", () => {
  // A .well-known document is static: its 404 need not be a Matrix error body.
  test("the support document is valid when served, or 404", covers([endpoints.wellKnownSupport], "client-server-api/#getwell-knownmatrixsupport"), async ({ anonymous }) => {
    const res = await anonymous.raw(endpoints.wellKnownSupport, { auth: false, standardErrors: false });
    // "404: No server support information available"; when served it must name a contact or a page.
    if (res.status === 404) return;
    expect(res.status).toBe(200);
    expectShape(res.json, supportResponse, "the support document");
    const body = res.json as { contacts?: unknown[]; support_page?: string };
    expect((body.contacts?.length ?? 0) > 0 || body.support_page !== undefined).toBe(true);
  });

  test("the policy server document is valid when served, or 404", covers([endpoints.wellKnownPolicyServer], "client-server-api/#getwell-knownmatrixpolicy_server"), async ({ anonymous }) => {
    const res = await anonymous.raw(endpoints.wellKnownPolicyServer, { auth: false, standardErrors: false });
    if (res.status === 404) return;
    expect(res.status).toBe(200);
    expectShape(res.json, policyServerResponse, "the policy server document");
  });

  test("auth_metadata is 404 M_UNRECOGNIZED unless the server delegates to OAuth 2.0", covers([endpoints.authMetadata], "client-server-api/#get_matrixclientv1auth_metadata"), async ({ anonymous }) => {
    const flows = anonymous.must(await anonymous.call(endpoints.loginFlows, { auth: false })).flows.map((f) => f.type);
    const res = await anonymous.call(endpoints.authMetadata, { auth: false });
    // A server that still offers m.login.password without OAuth answers M_UNRECOGNIZED.
    if (res.ok) expect(res.body.issuer).toMatch(/^https?:\/\//);
    else {
      expect(flows).toContain("m.login.password");
      expectMatrixError(res, 404, "M_UNRECOGNIZED");
    }
  });

  test("SSO redirects exist only when m.login.sso is offered, else 404 M_UNRECOGNIZED", covers([endpoints.ssoRedirect, endpoints.ssoRedirectIdp], "client-server-api/#sso-client-loginauthentication"), async ({ anonymous }) => {
    const sso = anonymous.must(await anonymous.call(endpoints.loginFlows, { auth: false })).flows.some((f) => f.type === "m.login.sso");
    const plain = await anonymous.raw(endpoints.ssoRedirect, { query: { redirectUrl: "http://127.0.0.1/after" }, auth: false });
    const named = await anonymous.raw(endpoints.ssoRedirectIdp, { path: { idpId: "gauntlet-none" }, query: { redirectUrl: "http://127.0.0.1/after" }, auth: false });
    if (sso) {
      expect([302, 303, 307]).toContain(plain.status);
      expect(named.status).toBeGreaterThanOrEqual(400);
    } else {
      // M_UNRECOGNIZED "is expected to be returned with a 404 HTTP status code if the endpoint is not implemented"
      // (client-server-api/#common-error-codes).
      expectMatrixError(plain, 404, "M_UNRECOGNIZED");
      expectMatrixError(named, 404, "M_UNRECOGNIZED");
    }
  });
});

describe("login tokens and registration tokens", () => {
  test("a login token minted by a logged-in device logs a new device in", covers([endpoints.loginToken, endpoints.capabilities, endpoints.loginFlows, endpoints.login], "client-server-api/#post_matrixclientv1loginget_token"), async ({ account, anonymous, skip }) => {
    const { client } = account;
    if (!(await loginTokensEnabled(client))) skip("the homeserver advertises m.get_login_token as disabled in /capabilities");
    const minted = client.must(await withPasswordAuth(client, endpoints.loginToken, account.password, { body: {} }));
    // The m.login.token flow says that tokens can be minted (client-server-api/#login-flows, get_login_token).
    const flows = anonymous.must(await anonymous.call(endpoints.loginFlows, { auth: false })).flows as { type: string; get_login_token?: boolean }[];
    expect(flows.find((flow) => flow.type === "m.login.token")?.get_login_token).toBe(true);
    registerSecret(minted.login_token);
    const login = anonymous.must(await anonymous.call(endpoints.login, { body: { type: "m.login.token", token: minted.login_token }, auth: false }));
    expect(login.user_id).toBe(client.userId);
    expect(login.device_id).not.toBe(client.deviceId);
    const other = anonymous.withCredentials({ accessToken: login.access_token, userId: login.user_id });
    expect(other.must(await other.call(endpoints.whoami)).user_id).toBe(client.userId);
  });

  test("a used login token is spent: logging in with it again is 403 M_FORBIDDEN", covers([endpoints.loginToken, endpoints.login], "client-server-api/#token-based"), async ({ account, anonymous, skip }) => {
    const { client } = account;
    if (!(await loginTokensEnabled(client))) skip("the homeserver advertises m.get_login_token as disabled in /capabilities");
    const minted = client.must(await withPasswordAuth(client, endpoints.loginToken, account.password, { body: {} }));
    registerSecret(minted.login_token);
    anonymous.must(await anonymous.call(endpoints.login, { body: { type: "m.login.token", token: minted.login_token }, auth: false }));
    // Login tokens are single use (client-server-api/#token-based).
    expectMatrixError(await anonymous.call(endpoints.login, { body: { type: "m.login.token", token: minted.login_token }, auth: false }), 403, "M_FORBIDDEN");
  });

  test("get_token without user-interactive auth is 401 with flows (or 400/404 when disabled)", covers([endpoints.loginToken, endpoints.capabilities], "client-server-api/#post_matrixclientv1loginget_token"), async ({ alice }) => {
    const res = await alice.call(endpoints.loginToken, { body: {} });
    if (await loginTokensEnabled(alice)) {
      // The endpoint is protected by user-interactive auth; a server MAY skip it, so 200 is allowed too.
      expect([200, 401]).toContain(res.status);
      if (res.status === 401) expect(Array.isArray((res.body as { flows?: unknown }).flows)).toBe(true);
    }
    // "Servers SHOULD NOT offer this endpoint when the capability is disabled": an unknown endpoint.
    else expect([400, 404]).toContain(res.status);
  });

  test("an unknown login token is 403 M_FORBIDDEN", covers([endpoints.login], "client-server-api/#token-based"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.login, { body: { type: "m.login.token", token: "gauntlet-unknown-login-token" }, auth: false }), 403, "M_FORBIDDEN");
  });

  test("an unknown registration token is not valid", covers([endpoints.registrationTokenValidity], "client-server-api/#token-authenticated-registration"), async ({ anonymous }) => {
    const res = await anonymous.call(endpoints.registrationTokenValidity, { query: { token: "gauntlet-unknown-token" }, auth: false });
    // 403 M_FORBIDDEN when the server does not use registration tokens at all.
    if (res.ok) expect(res.body.valid).toBe(false);
    else expectMatrixError(res, 403, "M_FORBIDDEN");
  });

  test("a registration token check without a token is refused with 400 or 403", covers([endpoints.registrationTokenValidity], "client-server-api/#get_matrixclientv1registermloginregistration_tokenvalidity"), async ({ anonymous }) => {
    // A missing required parameter is a bad request (400); where registration is off, "403: The homeserver does
    // not permit registration and thus all tokens are considered invalid" comes first. Both are listed responses.
    const res = await anonymous.call(endpoints.registrationTokenValidity, { auth: false });
    expect([400, 403]).toContain(res.status);
    expectMatrixError(res, res.status);
  });
});

describe("validation tokens without a configured delivery", () => {
  const msisdn = { client_secret: "gauntletSecret", country: "GB", phone_number: "07700900000", send_attempt: 1 };
  for (const [name, ep, body] of [
    ["registration by phone", endpoints.registerMsisdnToken, msisdn],
    ["password reset by phone", endpoints.passwordMsisdnToken, msisdn],
    ["adding a phone number", endpoints.threepidMsisdnToken, msisdn],
  ] as const) {
    test(`a token for ${name} is refused with 400 or 403`, covers([ep], "client-server-api/#adding-account-administrative-contact-information"), async ({ alice }) => {
      // The deployment sends no SMS: the endpoint refuses with one of its listed statuses, "400: ... or the request
      // was invalid" or "403: The homeserver does not allow the third-party identifier as a contact option".
      const res = await alice.call(ep, { body });
      expect([400, 403]).toContain(res.status);
      expectMatrixError(res, res.status);
    });
  }

  test("unbinding a 3PID the account never bound is answered with an unbind result or 400", covers([endpoints.unbindThreepid], "client-server-api/#post_matrixclientv3account3pidunbind"), async ({ alice }) => {
    const res = await alice.call(endpoints.unbindThreepid, { body: { medium: "email", address: "gauntlet@example.invalid" } });
    if (res.ok) expect(res.body.id_server_unbind_result).toMatch(/^(success|no-support)$/);
    else expect(res.status).toBe(400);
  });

  test("binding without an identity server session is 400", covers([endpoints.bindThreepid], "client-server-api/#post_matrixclientv3account3pidbind"), async ({ alice }) => {
    // sid, id_server and id_access_token are required; the endpoint gives no errcode for their absence.
    const res = await alice.call(endpoints.bindThreepid, { body: { client_secret: "gauntletSecret" } });
    expectMatrixError(res, 400);
  });
});

describe("guest access", () => {
  test("a guest joins a room that allows guests and reads it, but may not create rooms: M_GUEST_ACCESS_FORBIDDEN", covers([endpoints.register, endpoints.join, endpoints.createRoom], "client-server-api/#guest-access"), async ({ alice, anonymous }) => {
    const roomId = await alice.mustCreateRoom({ preset: "public_chat", initial_state: [{ type: "m.room.guest_access", state_key: "", content: { guest_access: "can_join" } }] });
    const registered = anonymous.must(await anonymous.call(endpoints.register, { body: {}, auth: false, query: { kind: "guest" } }));
    const guest = anonymous.withCredentials({ accessToken: registered.access_token ?? "", userId: registered.user_id });
    expect(guest.must(await guest.call(endpoints.whoami)).is_guest).toBe(true);
    await guest.mustJoinRoom(roomId);
    const eventId = await alice.mustSendMessage(roomId, "hello guest");
    expect(guest.must(await guest.call(endpoints.getEvent, { path: { roomId, eventId } })).content.body).toBe("hello guest");
    expectMatrixError(await guest.call(endpoints.createRoom, { body: {} }), 403, "M_GUEST_ACCESS_FORBIDDEN");
  });

  test("a guest may not join a room without guest access: 403 M_FORBIDDEN", covers([endpoints.register, endpoints.join], "client-server-api/#mroomguest_access"), async ({ anonymous, publicRoom }) => {
    const registered = anonymous.must(await anonymous.call(endpoints.register, { body: {}, auth: false, query: { kind: "guest" } }));
    const guest = anonymous.withCredentials({ accessToken: registered.access_token ?? "", userId: registered.user_id });
    expectMatrixError(await guest.call(endpoints.join, { path: { roomIdOrAlias: publicRoom }, body: {} }), 403, "M_FORBIDDEN");
  });
});

describe("peeking events", () => {
  test("/events returns new events of joined rooms after a token", covers([endpoints.peekEvents], "client-server-api/#get_matrixclientv3events"), async ({ alice, publicRoom }) => {
    // Alice is online and active before the window opens, so that the window holds no change of
    // her presence: the calls below (which a server may count as activity) leave it as it is.
    // A change inside the window is what the next test provokes.
    alice.must(await alice.call(endpoints.setPresence, { path: { userId: alice.userId }, body: { presence: "online" } }));
    const start = alice.must(await alice.call(endpoints.peekEvents, { query: { timeout: 0 } })).end;
    const eventId = await alice.mustSendMessage(publicRoom, "peeked");
    const page = alice.must(await alice.call(endpoints.peekEvents, { query: { from: start, timeout: 5000 }, timeoutMs: 20_000 }));
    expect(page.chunk.map((e) => e.event_id)).toContain(eventId);
  });

  test("/events returns only client events when the caller's presence changes after the token", covers([endpoints.peekEvents, endpoints.setPresence], "client-server-api/#get_matrixclientv3events"), async ({ alice, publicRoom }) => {
    // The chunk is a list of ClientEvent (old_sync.yaml: items are definitions/client_event.yaml),
    // each with event_id, sender, origin_server_ts and room_id. A presence change is not a room
    // event, so the response schema check (in must) fails on an m.presence item.
    const start = alice.must(await alice.call(endpoints.peekEvents, { query: { timeout: 0 } })).end;
    alice.must(await alice.call(endpoints.setPresence, { path: { userId: alice.userId }, body: { presence: "unavailable", status_msg: "peeking" } }));
    const eventId = await alice.mustSendMessage(publicRoom, "peeked after a presence change");
    const page = alice.must(await alice.call(endpoints.peekEvents, { query: { from: start, timeout: 5000 }, timeoutMs: 20_000 }));
    expect(page.chunk.map((e) => e.event_id)).toContain(eventId);
  });

  test("/events from a malformed token is 400", covers([endpoints.peekEvents], "client-server-api/#get_matrixclientv3events"), async ({ alice }) => {
    // "400: Bad pagination from parameter"; the spec gives no errcode.
    expectMatrixError(await alice.call(endpoints.peekEvents, { query: { from: "gauntlet-not-a-token", timeout: 0 } }), 400);
  });
});
