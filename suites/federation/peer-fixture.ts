import type { ExchangeLog } from "../../src/client/exchange.ts";
import type { Deployment } from "../../src/deployment/deployment.ts";
import { describePduViolations } from "../../src/federation/pdu-check.ts";
import { FederationPeer } from "../../src/federation/peer.ts";
import { test as base } from "../fixtures.ts";

export const NO_CA = "federation suites need an environment Gauntlet started (its homeservers trust the run CA); a --url deployment has none";

/** A started federation peer trusted by the deployment's homeservers, or undefined when the deployment has no run CA. */
export async function startPeer(deployment: Deployment, log: ExchangeLog): Promise<FederationPeer | undefined> {
  const ca = deployment.ca;
  if (!ca) return undefined;
  return new FederationPeer({
    ca,
    directory: (name) => deployment.homeservers.find((hs) => hs.serverName === name)?.federationUrl,
    // The peer's requests join the given log, so a failure shows them beside the client's.
    log,
    // A homeserver may still be backing off from an earlier peer's `localhost:<port>`.
    claimPort: (port) => deployment.claimPeerPort(port),
  }).start();
}

/**
 * Stops the peer, then fails when anything the homeserver sent it broke the server-server API:
 * every PDU it received is checked against the reference, and the error names the event and the rule.
 */
export async function stopCheckingSentPdus(peer: FederationPeer): Promise<void> {
  const violations = await peer.sentPduViolations().finally(() => peer.stop());
  if (violations.length > 0) throw new Error(`the homeserver sent PDUs that break the server-server API:\n${describePduViolations(violations)}`);
}

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
    const peer = await startPeer(deployment, requests);
    if (!peer) skip(NO_CA);
    await use(peer!);
    await stopCheckingSentPdus(peer!);
  },
});

export { covers, describe, expect } from "../fixtures.ts";
