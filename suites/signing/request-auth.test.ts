import { randomBytes } from "node:crypto";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import { covers, describe, expect, test } from "../federation/peer-fixture.ts";

const SECTION = "server-server-api/#request-authentication";

describe("X-Matrix request authentication", () => {
  test("a correctly signed request is answered", covers([fed.queryProfile], SECTION), async ({ alice, hs, peer }) => {
    const response = await peer.to(hs).queryProfile(alice.userId);
    expect(response.status, response.text).toBe(200);
  });

  test("a request without an Authorization header is refused with 401 M_UNAUTHORIZED", covers([fed.queryProfile], SECTION), async ({ alice, hs, peer }) => {
    const response = await peer.to(hs).call(fed.queryProfile, { query: { user_id: alice.userId }, auth: "none" });
    expectMatrixError(response, 401, "M_UNAUTHORIZED");
  });

  test("a request signed with a key the origin does not publish is refused", covers([fed.queryProfile], SECTION), async ({ alice, hs, peer }) => {
    // The peer's real key id, but a different private key: the signature cannot verify.
    const response = await peer.to(hs).call(fed.queryProfile, { query: { user_id: alice.userId }, auth: { seed: randomBytes(32) } });
    expectMatrixError(response, 401, "M_UNAUTHORIZED");
  });

  test("a request signed for another destination is refused", covers([fed.queryProfile], SECTION), async ({ alice, hs, peer }) => {
    const remote = peer.to(hs);
    // The same request, signed for this destination, is answered.
    remote.must(await remote.queryProfile(alice.userId));
    // Signed over destination "elsewhere": the receiving server must check it is the destination.
    const response = await remote.call(fed.queryProfile, { query: { user_id: alice.userId }, auth: { destination: "elsewhere.invalid" } });
    expect(response.status, response.text).toBe(401);
  });

  test("requests the homeserver makes carry valid X-Matrix auth naming the destination", covers([fed.sendTransaction], SECTION), async ({ alice, peer }) => {
    const room = peer.createRoom({ version: "11" });
    await alice.mustJoinVia(room.roomId, peer.serverName);
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
