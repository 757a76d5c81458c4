import { Environment } from "../../src/env/environment.ts";
import { FederationPeer } from "../../src/federation/peer.ts";
import { RUN_ID_VARIABLE } from "../../src/deployment/target-file.ts";
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
  peer: async ({ skip, requests }, use) => {
    const runId = process.env[RUN_ID_VARIABLE];
    if (!runId) skip("federation suites need an environment Gauntlet started (its homeservers trust the run CA); a --url deployment has none");
    const env = Environment.load(runId!);
    const peer = await new FederationPeer({
      ca: env.state.ca,
      directory: (name) => env.state.homeservers.find((hs) => hs.serverName === name)?.federationUrl,
      // The peer's requests join the test's log, so a failure shows them beside the client's.
      log: requests,
    }).start();
    await use(peer);
    await peer.stop();
  },
});

export { covers, describe, expect } from "../fixtures.ts";
