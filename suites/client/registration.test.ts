import { endpoints } from "../../src/client/endpoints.ts";
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { mustChallenge } from "../../src/client/uia.ts";
import { covers, describe, test } from "../fixtures.ts";

function freshLocalpart(prefix = "reg"): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

const password = () => `pw-${randomBytes(12).toString("base64url")}`;

describe("user-interactive registration", () => {
  test("starts a session listing the flows that complete it", covers([endpoints.register], "client-server-api/#user-interactive-authentication-api"), async ({ anonymous }) => {
    const response = await anonymous.call(endpoints.register, { body: { username: freshLocalpart(), password: password() }, auth: false });
    // Without `auth`, the server answers 401 with the stages a client may complete and a session ID.
    const body = mustChallenge(response);
    expect(body.session).toEqual(expect.any(String));
    expect(body.flows.length).toBeGreaterThan(0);
  });

  test("completes with the dummy stage and returns a usable access token", covers([endpoints.register, endpoints.whoami], "client-server-api/#dummy-auth"), async ({ anonymous }) => {
    const localpart = freshLocalpart();
    const secret = password();
    const first = await anonymous.call(endpoints.register, { body: { username: localpart, password: secret }, auth: false });
    const session = mustChallenge(first).session;
    const done = anonymous.must(await anonymous.call(endpoints.register, { body: { username: localpart, password: secret, auth: { type: "m.login.dummy", session } }, auth: false }));
    expect(done.user_id.startsWith(`@${localpart}:`)).toBe(true);
    expect(done.access_token).toEqual(expect.any(String));
    const user = anonymous.withCredentials({ accessToken: done.access_token ?? "", userId: done.user_id });
    const whoami = user.must(await user.call(endpoints.whoami));
    expect(whoami.user_id).toBe(done.user_id);
    expect(whoami.device_id).toBe(done.device_id);
  });

  test("with inhibit_login returns no access token", covers([endpoints.register], "client-server-api/#post_matrixclientv3register"), async ({ anonymous }) => {
    const localpart = freshLocalpart();
    const secret = password();
    const first = await anonymous.call(endpoints.register, { body: { username: localpart, password: secret }, auth: false });
    const session = mustChallenge(first).session;
    const done = anonymous.must(await anonymous.call(endpoints.register, { body: { username: localpart, password: secret, inhibit_login: true, auth: { type: "m.login.dummy", session } }, auth: false }));
    // inhibit_login: "access_token and device_id are omitted from the response".
    expect(done.access_token).toBeUndefined();
    expect(done.device_id).toBeUndefined();
  });

  test("rejects an unknown stage type", covers([endpoints.register], "client-server-api/#user-interactive-authentication-api"), async ({ anonymous }) => {
    const localpart = freshLocalpart();
    const secret = password();
    const first = await anonymous.call(endpoints.register, { body: { username: localpart, password: secret }, auth: false });
    const session = mustChallenge(first).session;
    const response = await anonymous.call(endpoints.register, { body: { username: localpart, password: secret, auth: { type: "m.login.gauntlet_nonexistent", session } }, auth: false });
    // A stage the server did not offer cannot complete the flow: the account must not be created.
    expect(response.status).not.toBe(200);
    const available = await anonymous.call(endpoints.registerAvailable, { query: { username: localpart }, auth: false });
    expect(available.status).toBe(200);
  });
});

// One at a time: servers may throttle availability checks against username enumeration (Synapse
// answers 429 to concurrent ones), and the spec allows that.
describe("username availability", { concurrent: false }, () => {
  test("reports a free username as available", covers([endpoints.registerAvailable], "client-server-api/#get_matrixclientv3registeravailable"), async ({ anonymous }) => {
    const body = anonymous.must(await anonymous.call(endpoints.registerAvailable, { query: { username: freshLocalpart() }, auth: false }));
    expect(body.available).toBe(true);
  });

  test("reports a taken username with M_USER_IN_USE", covers([endpoints.registerAvailable], "client-server-api/#get_matrixclientv3registeravailable"), async ({ anonymous, account }) => {
    expectMatrixError(await anonymous.call(endpoints.registerAvailable, { query: { username: account.localpart }, auth: false }), 400, "M_USER_IN_USE");
  });

  test("rejects an invalid username with M_INVALID_USERNAME", covers([endpoints.registerAvailable], "client-server-api/#get_matrixclientv3registeravailable"), async ({ anonymous }) => {
    // Localparts are lowercase letters, digits and ._=-/+ (appendices/#user-identifiers).
    expectMatrixError(await anonymous.call(endpoints.registerAvailable, { query: { username: "Not A Valid User!" }, auth: false }), 400, "M_INVALID_USERNAME");
  });
});

describe("registration errors", () => {
  test("refuses a username that is taken with M_USER_IN_USE", covers([endpoints.register], "client-server-api/#post_matrixclientv3register"), async ({ anonymous, account }) => {
    const response = await anonymous.call(endpoints.register, { body: { username: account.localpart, password: password(), auth: { type: "m.login.dummy" } }, auth: false });
    expectMatrixError(response, 400, "M_USER_IN_USE");
  });

  test("refuses an invalid username with M_INVALID_USERNAME", covers([endpoints.register], "client-server-api/#post_matrixclientv3register"), async ({ anonymous }) => {
    const response = await anonymous.call(endpoints.register, { body: { username: "has spaces and CAPS", password: password(), auth: { type: "m.login.dummy" } }, auth: false });
    expectMatrixError(response, 400, "M_INVALID_USERNAME");
  });

  test("refuses a username that is already in use even in another case", covers([endpoints.register], "client-server-api/#post_matrixclientv3register"), async ({ anonymous, account }) => {
    // User IDs are case-insensitive for registration purposes: localparts are stored lowercase (appendices/#user-identifiers).
    const response = await anonymous.call(endpoints.register, { body: { username: account.localpart.toUpperCase(), password: password(), auth: { type: "m.login.dummy" } }, auth: false });
    expect(response.status).toBe(400);
  });
});
