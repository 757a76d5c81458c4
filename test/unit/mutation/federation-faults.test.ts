import { createServer as createTlsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createCertificateAuthority, issueServerCertificate, type CertificatePair } from "../../../src/env/tls.ts";
import { FEDERATION_FAULTS } from "../../../src/mutation/federation-faults.ts";
import { MutationProxy } from "../../../src/mutation/proxy.ts";
import { Agent, fetch } from "undici";

// A stand-in federation listener over TLS with the run CA: /event answers one signed PDU, /send
// refuses unsigned requests, everything else echoes.
let ca: CertificatePair;
let upstream: Server;
let upstreamUrl: string;
let client: Agent;
const signed = { type: "m.room.message", content: { body: "hi" }, signatures: { hs: { "ed25519:a": "AAAAsignature" } } };
beforeAll(async () => {
  ca = await createCertificateAuthority("unit test CA");
  const certificate = await issueServerCertificate(ca, { names: ["127.0.0.1"] });
  upstream = createTlsServer({ cert: certificate.certPem, key: certificate.keyPem }, (request, response) => {
    const reply = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(value));
    };
    if (request.url?.startsWith("/_matrix/federation/v1/event/")) return reply(200, { origin: "hs", origin_server_ts: 1, pdus: [signed] });
    if (request.url?.startsWith("/_matrix/federation/v1/send/") && !request.headers.authorization) return reply(401, { errcode: "M_UNAUTHORIZED", error: "unsigned" });
    reply(200, { url: request.url });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `https://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  client = new Agent({ connect: { ca: ca.certPem } });
});
afterAll(async () => {
  await client.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** A TLS proxy with a run-CA certificate in front of the stand-in, with `id`'s fault injected (or none). */
async function withProxy(id: string | undefined, use: (proxy: MutationProxy) => Promise<void>): Promise<void> {
  const certificate = await issueServerCertificate(ca, { names: ["127.0.0.1"] });
  const proxy = await MutationProxy.start(upstreamUrl, { certificate, caCertPem: ca.certPem });
  proxy.inject(id === undefined ? undefined : FEDERATION_FAULTS.find((f) => f.id === id));
  try {
    await use(proxy);
  } finally {
    await proxy.close();
  }
}

test("over TLS the proxy serves a certificate of the run CA and forwards to a listener that trusts only it", () =>
  withProxy(undefined, async (proxy) => {
    expect(proxy.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${proxy.url}/_matrix/federation/v1/version`, { dispatcher: client });
    expect(await response.json()).toEqual({ url: "/_matrix/federation/v1/version" });
    expect(response.headers.get("content-type")).toBe("application/json");
  }));

test("event-signature-broken changes every signature of the PDUs /event returns and nothing else", () =>
  withProxy("federation/event-signature-broken", async (proxy) => {
    const body = (await (await fetch(`${proxy.url}/_matrix/federation/v1/event/$e`, { dispatcher: client })).json()) as { pdus: typeof signed[] };
    expect(body.pdus[0]!.signatures.hs["ed25519:a"]).toBe("BAAAsignature");
    expect(body.pdus[0]!.content).toEqual(signed.content);
    expect(proxy.exercised).toBe(1);
  }));

test("x-matrix-not-enforced answers a refused unsigned transaction as accepted", () =>
  withProxy("federation/x-matrix-not-enforced", async (proxy) => {
    const response = await fetch(`${proxy.url}/_matrix/federation/v1/send/t1`, { method: "PUT", body: "{}", dispatcher: client });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ pdus: {} });
  }));

test("every federation fault has a unique id, a server-server rule, server-server suites meant to catch it (a federation one first), and is injected into the federation API", () => {
  expect(new Set(FEDERATION_FAULTS.map((f) => f.id)).size).toBe(FEDERATION_FAULTS.length);
  for (const f of FEDERATION_FAULTS) {
    expect(f.id.startsWith("federation/"), f.id).toBe(true);
    expect(f.api, f.id).toBe("federation");
    expect(f.rule, f.id).toMatch(/^server-server-api\/#/);
    expect(f.catchers.length, f.id).toBeGreaterThan(0);
    // Counted for the federation folder; server-server suites of other folders (signing) may help catch it.
    expect(f.catchers[0], f.id).toMatch(/^federation\//);
    for (const suite of f.catchers) expect(suite, f.id).toMatch(/^(federation|signing|state-res)\//);
  }
});
