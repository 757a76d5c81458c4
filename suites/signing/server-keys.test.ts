import { checkCanonical, verifyJson, verifyServerKeys } from "../../src/protocol/index.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import { covers, describe, expect, test } from "../federation/peer-fixture.ts";

const SECTION = "server-server-api/#retrieving-server-keys";

describe("server key publication", () => {
  test("the key response is self-signed by its keys and names the server", covers([fed.serverKeys], SECTION), async ({ hs, peer }) => {
    const response = await peer.to(hs).serverKeys();
    const keys = peer.to(hs).must(response);
    const verification = verifyServerKeys(keys, { expectedServerName: hs.serverName });
    expect(verification.problems).toEqual([]);
    expect(verification.signedBy.length).toBeGreaterThan(0);
    // Numbers in a signed object must have a canonical form, or no one can check the signature.
    expect(checkCanonical(response.text)).toEqual([]);
  });

  test("valid_until_ts lies in the future", covers([fed.serverKeys], SECTION), async ({ hs, peer }) => {
    const keys = peer.to(hs).must(await peer.to(hs).serverKeys());
    expect(keys.valid_until_ts).toBeGreaterThan(Date.now());
  });

  test(
    "as a notary, the homeserver returns another server's keys with that server's signature and its own",
    covers([fed.notaryQuery], "server-server-api/#querying-keys-through-another-server"),
    async ({ hs, peer }) => {
      const remote = peer.to(hs);
      const notaryKeys = verifyServerKeys(remote.must(await remote.serverKeys()), { expectedServerName: hs.serverName }).verifyKeys;
      // A signed request makes the homeserver fetch and keep the peer's keys; a notary answers
      // from the keys it holds (it need not fetch on a query's behalf), adding its own signature.
      expect((await remote.queryProfile("@nobody:nowhere")).status).not.toBe(401);
      const body = remote.must(await remote.notaryQuery(peer.serverName));
      const forPeer = body.server_keys.filter((entry) => entry.server_name === peer.serverName);
      expect(forPeer.length, JSON.stringify(body)).toBeGreaterThan(0);
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
