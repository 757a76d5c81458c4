import { randomBytes } from "node:crypto";
import { Agent, request } from "undici";
import { endpoints } from "../../src/client/endpoints.ts";
import { Environment } from "../../src/env/environment.ts";
import { RUN_ID_VARIABLE } from "../../src/deployment/target-file.ts";
import { signXMatrixRequest } from "../../src/protocol/index.ts";
import { covers, describe, expect, test } from "../federation/peer-fixture.ts";

const SECTION = "server-server-api/#request-authentication";
const PROFILE = "GET /_matrix/federation/v1/query/profile";

/** Sends a federation request with an Authorization header of the test's choosing. */
async function sendWithAuthorization(destination: string, uri: string, authorization: string | undefined) {
  const env = Environment.load(process.env[RUN_ID_VARIABLE]!);
  const target = env.state.homeservers.find((hs) => hs.serverName === destination)!;
  const agent = new Agent({ connect: { ca: env.state.ca.certPem } });
  try {
    const response = await request(`${target.federationUrl}${uri}`, {
      headers: { host: destination, ...(authorization ? { authorization } : {}) },
      dispatcher: agent,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.body.text();
    return { status: response.statusCode, text, errcode: (JSON.parse(text) as { errcode?: string }).errcode };
  } finally {
    await agent.close();
  }
}

describe("X-Matrix request authentication", () => {
  test("a correctly signed request is answered", covers([PROFILE], SECTION), async ({ alice, hs, peer }) => {
    const uri = `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(alice.userId!)}`;
    const response = await peer.client.request(hs.serverName, "GET", uri);
    expect(response.status, response.text).toBe(200);
  });

  test("a request without an Authorization header is refused with 401 M_UNAUTHORIZED", covers([PROFILE], SECTION), async ({ alice, hs, peer }) => {
    expect(peer.serverName).not.toBe("");
    const uri = `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(alice.userId!)}`;
    const response = await sendWithAuthorization(hs.serverName, uri, undefined);
    expect(response.status, response.text).toBe(401);
    expect(response.errcode).toBe("M_UNAUTHORIZED");
  });

  test("a request signed with a key the origin does not publish is refused", covers([PROFILE], SECTION), async ({ alice, hs, peer }) => {
    const uri = `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(alice.userId!)}`;
    // The peer's real key id, but a different private key: the signature cannot verify.
    const authorization = signXMatrixRequest({ method: "GET", uri, origin: peer.serverName, destination: hs.serverName }, peer.keyId, randomBytes(32));
    const response = await sendWithAuthorization(hs.serverName, uri, authorization);
    expect(response.status, response.text).toBe(401);
    expect(response.errcode).toBe("M_UNAUTHORIZED");
  });

  test("a request signed for another destination is refused", covers([PROFILE], SECTION), async ({ alice, hs, peer }) => {
    const uri = `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(alice.userId!)}`;
    // Signed over destination "elsewhere": the receiving server must check it is the destination.
    const signed = await peer.client.request(hs.serverName, "GET", uri);
    expect(signed.status).toBe(200);
    const forged = peer.authorization({ method: "GET", uri, destination: "elsewhere.invalid" });
    const response = await sendWithAuthorization(hs.serverName, uri, forged);
    expect(response.status, response.text).toBe(401);
  });

  test("requests the homeserver makes carry valid X-Matrix auth naming the destination", covers(["PUT /_matrix/federation/v1/send/{txnId}"], SECTION), async ({ alice, peer }) => {
    const room = peer.createRoom({ version: "11" });
    alice.must(await alice.call(endpoints.join, { path: { roomIdOrAlias: room.roomId }, query: { via: peer.serverName }, body: {} }));
    const eventId = await alice.mustSendMessage(room.roomId, "signed transport");
    await peer.waitForPdu((p) => p.eventId === eventId);
    const authenticated = peer.requests.filter((r) => r.xMatrix);
    expect(authenticated.length).toBeGreaterThanOrEqual(3);
    for (const r of authenticated) {
      expect(r.authProblem, `${r.method} ${r.path}`).toBeUndefined();
      // The destination parameter is required since spec v1.3.
      expect(r.xMatrix?.destination, `${r.method} ${r.path}`).toBe(peer.serverName);
    }
  });
});
