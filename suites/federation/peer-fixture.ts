import { describePduViolations } from "../../src/federation/pdu-check.ts";
import { FederationPeer } from "../../src/federation/peer.ts";
import { test as base } from "../fixtures.ts";

/**
 * Suites that speak federation to the homeserver under test through the in-process peer. The
 * homeserver must trust the run CA for the peer's TLS, so these need a run Gauntlet started.
 */
export const test = base.extend<{
  $test: {
    /** A fresh federation peer on loopback, server name `localhost:<port>`, torn down after the test. */
    peer: FederationPeer;
  };
}>({
  peer: async ({ deployment, skip, requests }, use) => {
    const ca = deployment.ca;
    if (!ca) skip("federation suites need an environment Gauntlet started (its homeservers trust the run CA); a --url deployment has none");
    const peer = await new FederationPeer({
      ca: ca!,
      directory: (name) => deployment.homeservers.find((hs) => hs.serverName === name)?.federationUrl,
      // The peer's requests join the test's log, so a failure shows them beside the client's.
      log: requests,
    }).start();
    await use(peer);
    // Everything the homeserver sent the peer during the test is checked against the reference:
    // a violation fails the test that caused it, naming the event and the rule it broke.
    const violations = await peer.sentPduViolations().finally(() => peer.stop());
    if (violations.length > 0) throw new Error(`the homeserver sent PDUs that break the server-server API:\n${describePduViolations(violations)}`);
  },
});

export { covers, describe, expect } from "../fixtures.ts";
