import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { MatrixClient } from "../../src/client/client.ts";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { registerSecret } from "../../src/client/redact.ts";
import { withPasswordAuth } from "../../src/client/uia.ts";
import type { SmtpSink } from "../../src/mail/smtp-sink.ts";
import { isLoopbackAddress } from "../../src/net/loopback.ts";
import { covers, describe, test } from "../fixtures.ts";

const SECTION = "client-server-api/#adding-account-administrative-contact-information";

/** A fresh address on a reserved domain: the homeserver hands it to the harness's sink, never to the internet. */
function newAddress(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}@gauntlet.invalid`;
}

function newClientSecret(): string {
  // client_secret grammar: [0-9a-zA-Z.=_-], 1-255 characters (client-server-api/#post_matrixclientv3registeremailrequesttoken).
  const secret = `cs-${randomBytes(12).toString("hex")}`;
  registerSecret(secret);
  return secret;
}

/**
 * Follows the validation link of an email, as the address's owner would. The link must point at
 * a loopback address: the harness sends traffic nowhere else.
 */
async function followValidationLink(mail: SmtpSink, address: string, sid: string): Promise<void> {
  const message = await mail.waitFor(address, { filter: (m) => m.links.some((link) => link.includes(sid)) });
  const link = message.links.find((candidate) => candidate.includes(sid)) ?? "";
  const url = new URL(link);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!(host === "localhost" || isLoopbackAddress(host))) {
    throw new Error(`the validation link of the email to ${address} points at ${url.host}, not at the homeserver on loopback; the harness does not follow it (public_baseurl decides this host)`);
  }
  const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(15_000) });
  await response.arrayBuffer();
  // The homeserver answers with a page or a redirect to next_link; either way the session is validated.
  expect(response.status, `GET ${url.pathname} (the email's validation link)`).toBeLessThan(400);
}

/** Validates `address` through its emailed link and adds it to the account: client-server-api/#post_matrixclientv3account3pidadd. */
async function addEmail(client: MatrixClient, password: string, mail: SmtpSink, address: string): Promise<void> {
  const clientSecret = newClientSecret();
  const { sid } = client.must(await client.call(endpoints.threepidEmailToken, { body: { client_secret: clientSecret, email: address, send_attempt: 1 } }));
  await followValidationLink(mail, address, sid);
  client.must(await withPasswordAuth(client, endpoints.addThreepid, password, { body: { client_secret: clientSecret, sid } }));
}

describe("email addresses of an account", () => {
  test("an email token is sent to the address; after its link is followed, 3pid/add adds the address", covers([endpoints.threepidEmailToken, endpoints.addThreepid, endpoints.threepids], "client-server-api/#post_matrixclientv3account3pidemailrequesttoken"), async ({ account, mail }) => {
    const { client, password } = account;
    const address = newAddress("dana");
    const before = Date.now();
    await addEmail(client, password, mail, address);
    const listed = client.must(await client.call(endpoints.threepids)).threepids.find((t) => t.address === address);
    expect(listed).toMatchObject({ medium: "email", address });
    // validated_at and added_at are timestamps in milliseconds (client-server-api/#get_matrixclientv3account3pid).
    expect(listed?.validated_at).toBeGreaterThanOrEqual(before - 60_000);
    expect(listed?.added_at).toBeGreaterThanOrEqual(before - 60_000);
  });

  test("3pid/add before the emailed link is followed is 400 M_THREEPID_AUTH_FAILED", covers([endpoints.threepidEmailToken, endpoints.addThreepid], "client-server-api/#post_matrixclientv3account3pidadd"), async ({ account, mail }) => {
    const { client, password } = account;
    const address = newAddress("dana");
    const clientSecret = newClientSecret();
    const { sid } = client.must(await client.call(endpoints.threepidEmailToken, { body: { client_secret: clientSecret, email: address, send_attempt: 1 } }));
    await mail.waitFor(address);
    const res = await withPasswordAuth(client, endpoints.addThreepid, password, { body: { client_secret: clientSecret, sid } });
    expectMatrixError(res, 400, "M_THREEPID_AUTH_FAILED");
  });

  test("deleting an added email removes it from the account", covers([endpoints.deleteThreepid, endpoints.threepids], "client-server-api/#post_matrixclientv3account3piddelete"), async ({ account, mail }) => {
    const { client, password } = account;
    const address = newAddress("dana");
    await addEmail(client, password, mail, address);
    const { id_server_unbind_result } = client.must(await client.call(endpoints.deleteThreepid, { body: { medium: "email", address } }));
    // No identity server was involved in adding it, so none can have unbound it.
    expect(["success", "no-support"]).toContain(id_server_unbind_result);
    expect(client.must(await client.call(endpoints.threepids)).threepids.map((t) => t.address)).not.toContain(address);
  });

  test("an email token for an address another account has is 400 M_THREEPID_IN_USE", covers([endpoints.threepidEmailToken], "client-server-api/#post_matrixclientv3account3pidemailrequesttoken"), async ({ account, bob, mail }) => {
    const address = newAddress("dana");
    await addEmail(account.client, account.password, mail, address);
    expectMatrixError(await bob.call(endpoints.threepidEmailToken, { body: { client_secret: newClientSecret(), email: address, send_attempt: 1 } }), 400, "M_THREEPID_IN_USE");
  });

  test("an email token for something that is not an email address is 400", covers([endpoints.threepidEmailToken], "client-server-api/#post_matrixclientv3account3pidemailrequesttoken"), async ({ alice }) => {
    const res = await alice.call(endpoints.threepidEmailToken, { body: { client_secret: newClientSecret(), email: "not an address", send_attempt: 1 } });
    expect(res.status).toBe(400);
  });
});

describe("email during registration", () => {
  test("a registration email token is sent to a new address", covers([endpoints.registerEmailToken], "client-server-api/#post_matrixclientv3registeremailrequesttoken"), async ({ anonymous, mail }) => {
    const address = newAddress("newcomer");
    const { sid } = anonymous.must(await anonymous.call(endpoints.registerEmailToken, { body: { client_secret: newClientSecret(), email: address, send_attempt: 1 }, auth: false }));
    expect(sid).toMatch(/^[0-9a-zA-Z.=_-]{1,255}$/);
    const message = await mail.waitFor(address);
    expect(message.links.some((link) => link.includes(sid))).toBe(true);
  });

  test("a registration email token for an address in use is 400 M_THREEPID_IN_USE", covers([endpoints.registerEmailToken], "client-server-api/#post_matrixclientv3registeremailrequesttoken"), async ({ account, anonymous, mail }) => {
    const address = newAddress("dana");
    await addEmail(account.client, account.password, mail, address);
    const res = await anonymous.call(endpoints.registerEmailToken, { body: { client_secret: newClientSecret(), email: address, send_attempt: 1 }, auth: false });
    expectMatrixError(res, 400, "M_THREEPID_IN_USE");
  });
});

describe("email during password reset", () => {
  test("a password reset token is sent to an address of an account", covers([endpoints.passwordEmailToken], "client-server-api/#post_matrixclientv3accountpasswordemailrequesttoken"), async ({ account, anonymous, mail }) => {
    const address = newAddress("dana");
    await addEmail(account.client, account.password, mail, address);
    const { sid } = anonymous.must(await anonymous.call(endpoints.passwordEmailToken, { body: { client_secret: newClientSecret(), email: address, send_attempt: 1 }, auth: false }));
    const message = await mail.waitFor(address, { filter: (m) => m.links.some((link) => link.includes(sid)) });
    expect(message.to.map((to) => to.toLowerCase())).toContain(address);
  });

  test("a password reset token for an address of no account is 400 M_THREEPID_NOT_FOUND", covers([endpoints.passwordEmailToken], "client-server-api/#post_matrixclientv3accountpasswordemailrequesttoken"), async ({ anonymous, mail }) => {
    const address = newAddress("nobody");
    const res = await anonymous.call(endpoints.passwordEmailToken, { body: { client_secret: newClientSecret(), email: address, send_attempt: 1 }, auth: false });
    expectMatrixError(res, 400, "M_THREEPID_NOT_FOUND");
    // Nothing may be sent to an address the server does not know.
    expect(mail.messages.some((m) => m.to.includes(address))).toBe(false);
  });
});

describe("validation sessions", () => {
  test("repeating a token request with the same send_attempt sends no second email", covers([endpoints.threepidEmailToken], "client-server-api/#post_matrixclientv3account3pidemailrequesttoken"), async ({ alice, mail }) => {
    const address = newAddress("alice");
    const body = { client_secret: newClientSecret(), email: address, send_attempt: 1 };
    alice.must(await alice.call(endpoints.threepidEmailToken, { body }));
    const first = await mail.waitFor(address);
    // The server sends only when send_attempt exceeds the last one seen for this address and client_secret.
    alice.must(await alice.call(endpoints.threepidEmailToken, { body }));
    alice.must(await alice.call(endpoints.threepidEmailToken, { body: { ...body, send_attempt: 2 } }));
    await mail.waitFor(address, { filter: (m) => m !== first });
    expect(mail.messages.filter((m) => m.to.includes(address))).toHaveLength(2);
  });
});
