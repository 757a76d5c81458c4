import { randomBytes } from "node:crypto";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCertificateAuthority, type CertificatePair } from "../../../src/env/tls.ts";
import { FederationPeer } from "../../../src/federation/peer.ts";
import { signXMatrixRequest, verifyServerKeys } from "../../../src/protocol/index.ts";

// Two peers on loopback: one is the other's origin, so key fetches and X-Matrix checks are real.
describe("federation peer request authentication", () => {
  let ca: CertificatePair;
  let host: FederationPeer;
  let origin: FederationPeer;
  const peers = new Map<string, string>();

  beforeAll(async () => {
    ca = await createCertificateAuthority("peer test CA");
    const directory = (name: string) => peers.get(name);
    host = await new FederationPeer({ ca, directory }).start();
    origin = await new FederationPeer({ ca, directory }).start();
    for (const peer of [host, origin]) peers.set(peer.serverName, `https://127.0.0.1:${peer.serverName.split(":")[1]}`);
  });
  afterAll(async () => {
    await host?.stop();
    await origin?.stop();
  });

  test("publishes a self-signed key response", async () => {
    const response = await origin.client.get(host.serverName, "/_matrix/key/v2/server");
    expect(response.status).toBe(200);
    const verification = verifyServerKeys(response.json as never, { expectedServerName: host.serverName });
    expect(verification.problems).toEqual([]);
    expect(verification.signedBy).toEqual([host.keyId]);
  });

  test("accepts a correctly signed request and records its origin", async () => {
    const response = await origin.client.request(host.serverName, "GET", "/_matrix/federation/v1/query/profile?user_id=%40a%3Ax");
    expect(response.status).toBe(200);
    const seen = await host.waitForRequest((r) => r.path === "/_matrix/federation/v1/query/profile");
    expect(seen.origin).toBe(origin.serverName);
    expect(seen.authProblem).toBeUndefined();
  });

  test("rejects a request signed with a key the origin does not publish", async () => {
    const uri = "/_matrix/federation/v1/query/profile?user_id=%40forged%3Ax";
    const authorization = signXMatrixRequest({ method: "GET", uri, origin: origin.serverName, destination: host.serverName }, origin.keyId, randomBytes(32));
    const agent = new Agent({ connect: { ca: ca.certPem } });
    const response = await request(`${peers.get(host.serverName)}${uri}`, { headers: { authorization }, dispatcher: agent });
    const body = (await response.body.json()) as { errcode: string };
    await agent.close();
    expect(response.statusCode).toBe(401);
    expect(body.errcode).toBe("M_UNAUTHORIZED");
    const seen = await host.waitForRequest((r) => r.path === "/_matrix/federation/v1/query/profile" && r.status === 401);
    expect(seen.authProblem).toBe(`signature by ${origin.serverName} ${origin.keyId} does not verify`);
  });

  test("records requests no route expects as unexpected", async () => {
    const response = await origin.client.request(host.serverName, "GET", "/_matrix/federation/v1/no-such-endpoint");
    expect(response.status).toBe(404);
    expect(host.unexpectedRequests().map((r) => r.path)).toContain("/_matrix/federation/v1/no-such-endpoint");
  });
});
