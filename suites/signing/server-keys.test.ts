import { checkCanonical, verifyJson, verifyServerKeys, type JsonObject } from "../../src/protocol/index.ts";
import { covers, describe, expect, test } from "../federation/peer-fixture.ts";

const SERVER = "GET /_matrix/key/v2/server";
const QUERY = "GET /_matrix/key/v2/query/{serverName}";
const SECTION = "server-server-api/#retrieving-server-keys";

describe("server key publication", () => {
  test("the key response is self-signed by its keys and names the server", covers([SERVER], SECTION), async ({ hs, peer }) => {
    const response = await peer.client.get(hs.serverName, "/_matrix/key/v2/server");
    expect(response.status).toBe(200);
    const verification = verifyServerKeys(response.json as JsonObject, { expectedServerName: hs.serverName });
    expect(verification.problems).toEqual([]);
    expect(verification.signedBy.length).toBeGreaterThan(0);
    // Numbers in a signed object must have a canonical form, or no one can check the signature.
    expect(checkCanonical(response.text)).toEqual([]);
  });

  test("valid_until_ts lies in the future", covers([SERVER], SECTION), async ({ hs, peer }) => {
    const response = await peer.client.get(hs.serverName, "/_matrix/key/v2/server");
    const validUntil = (response.json as { valid_until_ts?: unknown }).valid_until_ts;
    expect(typeof validUntil).toBe("number");
    expect(validUntil as number).toBeGreaterThan(Date.now());
  });

  test(
    "as a notary, the homeserver returns another server's keys with that server's signature and its own",
    covers([QUERY], "server-server-api/#querying-keys-through-another-server"),
    async ({ hs, peer }) => {
      const own = await peer.client.get(hs.serverName, "/_matrix/key/v2/server");
      const notaryKeys = verifyServerKeys(own.json as JsonObject, { expectedServerName: hs.serverName }).verifyKeys;
      // A signed request makes the homeserver fetch and keep the peer's keys; a notary answers
      // from the keys it holds (it need not fetch on a query's behalf), adding its own signature.
      expect((await peer.client.request(hs.serverName, "GET", "/_matrix/federation/v1/query/profile?user_id=%40nobody%3Anowhere")).status).not.toBe(401);
      const response = await peer.client.get(hs.serverName, `/_matrix/key/v2/query/${encodeURIComponent(peer.serverName)}`);
      expect(response.status, response.text).toBe(200);
      const keys = (response.json as { server_keys?: JsonObject[] }).server_keys ?? [];
      const forPeer = keys.filter((entry) => entry["server_name"] === peer.serverName);
      expect(forPeer.length, response.text).toBeGreaterThan(0);
      for (const entry of forPeer) {
        const verification = verifyServerKeys(entry, { expectedServerName: peer.serverName });
        expect(verification.problems).toEqual([]);
        expect([...verification.verifyKeys.keys()]).toContain(peer.keyId);
        const notarySignatures = [...notaryKeys].filter(([keyId, key]) => verifyJson(entry, hs.serverName, keyId, key));
        expect(notarySignatures.length, "no valid signature of the notary on the returned keys").toBeGreaterThan(0);
      }
    },
  );
});
