import { Environment } from "../../src/env/environment.ts";
import { FederationPeer } from "../../src/federation/peer.ts";
import { RUN_ID_VARIABLE } from "../../src/gate/deployment.ts";
import { test as base } from "../fixtures.ts";

const NEEDS_RUN = "federation suites need an environment Gauntlet started (its homeservers trust the run CA); a --url deployment has none";

async function startPeer(runId: string, host?: string): Promise<FederationPeer> {
  const env = Environment.load(runId);
  return new FederationPeer({
    ca: env.state.ca,
    directory: (name) => env.state.homeservers.find((hs) => hs.serverName === name)?.federationUrl,
    ...(host ? { host } : {}),
  }).start();
}

/**
 * Suites that speak federation to the homeserver under test through the in-process peer. The
 * homeserver must trust the run CA for the peer's TLS, so these need a run Gauntlet started.
 */
export const test = base.extend<{
  $test: {
    /** A fresh federation peer on loopback, server name `localhost:<port>`, torn down after the test. */
    peer: FederationPeer;
    /**
     * A fresh peer named by an IP literal, `127.0.0.1:<port>`: room ACLs match server names without
     * their port, so only a peer whose host differs from the homeserver's can be denied alone.
     */
    ipPeer: FederationPeer;
  };
}>({
  peer: async ({ skip }, use) => {
    const runId = process.env[RUN_ID_VARIABLE];
    if (!runId) skip(NEEDS_RUN);
    const peer = await startPeer(runId!);
    await use(peer);
    await peer.stop();
  },
  ipPeer: async ({ skip }, use) => {
    const runId = process.env[RUN_ID_VARIABLE];
    if (!runId) skip(NEEDS_RUN);
    const peer = await startPeer(runId!, "127.0.0.1");
    await use(peer);
    await peer.stop();
  },
});

export { covers, describe, expect } from "../fixtures.ts";
