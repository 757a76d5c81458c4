import { createServer, type Server } from "node:https";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCertificateAuthority, issueServerCertificate } from "../../../src/env/tls.ts";
import { HttpClient } from "../../../src/verify/http.ts";
import { Resolver } from "../../../src/verify/resolver.ts";
import { discoverServer } from "../../../src/verify/server-discovery.ts";
import { startDnsServer, type DnsRecords, type LocalDnsServer } from "../../integration/verify/support/dns-server.ts";

// Server-server API "Resolving server names", step by step, against a loopback web server and DNS server.
let web: Server;
let webPort: number;
let routes: Record<string, { status: number; body: string; location?: string }> = {};
const requested: string[] = [];
const servers: LocalDnsServer[] = [];

beforeAll(async () => {
  const ca = await createCertificateAuthority("discovery test CA");
  const cert = await issueServerCertificate(ca, { names: ["example.test", "other.test"] });
  web = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    requested.push(`${req.headers.host}${req.url}`);
    const route = routes[`${req.headers.host}${req.url}`];
    res.writeHead(route?.status ?? 404, { "content-type": "application/json", ...(route?.location ? { location: route.location } : {}) });
    res.end(route?.body ?? '{"errcode":"M_NOT_FOUND"}');
  });
  await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
  webPort = (web.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => web.close(resolve));
  for (const dns of servers) await dns.stop();
});

async function discover(serverName: string, records: DnsRecords, newRoutes: typeof routes = {}) {
  routes = newRoutes;
  requested.length = 0;
  const dns = await startDnsServer(records);
  servers.push(dns);
  // The delegating domains' port 443 is this test's web server.
  const resolver = new Resolver({ resolve: [`example.test:443:127.0.0.1:${webPort}`, `other.test:443:127.0.0.1:${webPort}`], dns: `127.0.0.1:${dns.port}`, timeoutMs: 1000 });
  const http = new HttpClient({ resolver, timeoutMs: 2000 });
  return { outcome: await discoverServer(http, resolver, serverName), dns };
}

describe("server discovery", () => {
  test("an IP literal uses port 8448 and asks nobody", async () => {
    const { outcome, dns } = await discover("127.0.0.1", {});
    expect(outcome.destination).toMatchObject({ host: "127.0.0.1", port: 8448, tlsServerName: "127.0.0.1", hostHeader: "127.0.0.1", via: "IP literal" });
    expect(dns.questions).toEqual([]);
    expect(requested).toEqual([]);
  });

  test("an explicit port skips .well-known and SRV", async () => {
    const { outcome, dns } = await discover("matrix.test:8009", { a: { "matrix.test": ["127.0.0.2"] } });
    expect(outcome.destination).toMatchObject({ host: "matrix.test", port: 8009, tlsServerName: "matrix.test", hostHeader: "matrix.test:8009", via: "explicit port" });
    expect(outcome.destination?.targets[0]).toMatchObject({ address: "127.0.0.2", port: 8009 });
    expect(dns.questions).toEqual(["AAAA matrix.test", "A matrix.test"]);
    expect(requested).toEqual([]);
  });

  test(".well-known with a port is used as is; Host and TLS name come from the delegation", async () => {
    const { outcome } = await discover("example.test", { a: { "fed.test": ["127.0.0.3"] } }, { "example.test/.well-known/matrix/server": { status: 200, body: '{"m.server":"fed.test:8443"}' } });
    expect(outcome.destination).toMatchObject({ host: "fed.test", port: 8443, tlsServerName: "fed.test", hostHeader: "fed.test:8443" });
    expect(outcome.wellKnown?.delegated?.text).toBe("fed.test:8443");
  });

  test("a redirected .well-known is followed", async () => {
    const { outcome } = await discover("example.test", { a: { "fed.test": ["127.0.0.3"] } }, {
      "example.test/.well-known/matrix/server": { status: 301, body: "", location: "https://other.test/.well-known/matrix/server" },
      "other.test/.well-known/matrix/server": { status: 200, body: '{"m.server":"fed.test:8443"}' },
    });
    expect(outcome.destination?.hostHeader).toBe("fed.test:8443");
    expect(outcome.wellKnown?.response?.redirects).toEqual(["https://example.test/.well-known/matrix/server"]);
  });

  test("a .well-known that redirects in a circle stops at the first repeated URL and names the loop", async () => {
    const { outcome } = await discover("example.test", { a: { "example.test": ["127.0.0.5"] } }, {
      "example.test/.well-known/matrix/server": { status: 301, body: "", location: "https://other.test/.well-known/matrix/server" },
      "other.test/.well-known/matrix/server": { status: 302, body: "", location: "https://example.test/.well-known/matrix/server" },
    });
    expect(outcome.wellKnown?.response?.redirectProblem).toBe(
      "redirect loop: https://example.test/.well-known/matrix/server -> https://other.test/.well-known/matrix/server -> https://example.test/.well-known/matrix/server",
    );
    // Two requests, not ten: the loop is seen when a URL comes round again.
    expect(requested).toEqual(["example.test/.well-known/matrix/server", "other.test/.well-known/matrix/server"]);
    expect(outcome.destination).toMatchObject({ via: "port 8448 fallback" });
  });

  test("no .well-known: SRV _matrix-fed._tcp on the server name, with the server name as TLS name", async () => {
    const { outcome } = await discover("example.test", {
      a: { "host.test": ["127.0.0.4"] },
      srv: { "_matrix-fed._tcp.example.test": [{ target: "host.test", port: 8500 }] },
    });
    expect(outcome.destination).toMatchObject({ host: "host.test", port: 8500, tlsServerName: "example.test", hostHeader: "example.test", via: "SRV _matrix-fed._tcp" });
    expect(outcome.usedDeprecatedSrv).toBe(false);
  });

  test("only the deprecated _matrix._tcp record is used, and flagged", async () => {
    const { outcome } = await discover("example.test", {
      a: { "host.test": ["127.0.0.4"] },
      srv: { "_matrix._tcp.example.test": [{ target: "host.test", port: 8501 }] },
    });
    expect(outcome.destination).toMatchObject({ port: 8501, via: "SRV _matrix._tcp" });
    expect(outcome.usedDeprecatedSrv).toBe(true);
  });

  test("invalid .well-known JSON falls through to port 8448 and says why", async () => {
    const { outcome } = await discover("example.test", { a: { "example.test": ["127.0.0.5"] } }, { "example.test/.well-known/matrix/server": { status: 200, body: '{"m.server": 42}' } });
    expect(outcome.wellKnown?.invalid).toBe('"m.server" is a number, not a string');
    expect(outcome.destination).toMatchObject({ host: "example.test", port: 8448, via: "port 8448 fallback" });
  });
});
