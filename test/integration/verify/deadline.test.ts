import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCertificateAuthority, issueServerCertificate, type CertificatePair } from "../../../src/env/tls.ts";
import { verifyDeployment } from "../../../src/verify/index.ts";
import type { VerifyReport } from "../../../src/verify/types.ts";
import { runVerifyCli } from "./support/cli.ts";
import { startDnsServer, type LocalDnsServer } from "./support/dns-server.ts";
import { SERVER_NAME } from "./support/deployment.ts";
import { check } from "./support/report.ts";
import { startTrickleServer, type TrickleRoute, type TrickleServer } from "./support/trickle-server.ts";

// The delegating domain's web server as a real HTTPS server on loopback whose well-known files
// crawl out one byte at a time. The DNS server knows no names, so nothing else is contacted.
let ca: CertificatePair;
let dns: LocalDnsServer;
const day = 86_400_000;
const delegation = JSON.stringify({ "m.server": "matrix.test:8448" });

beforeAll(async () => {
  ca = await createCertificateAuthority("deadline test CA");
  dns = await startDnsServer({});
});

afterAll(async () => {
  await dns?.stop();
});

async function withTrickle<T>(routes: Record<string, TrickleRoute>, body: (server: TrickleServer) => Promise<T>, certificate?: CertificatePair): Promise<T> {
  // 60 days, far from the verifier's 14-day expiry warning.
  const server = await startTrickleServer(certificate ?? (await issueServerCertificate(ca, { names: [SERVER_NAME], notAfter: new Date(Date.now() + 60 * day) })), routes);
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

function verifyAgainst(server: TrickleServer, timeoutMs: number, deadlineMs: number): Promise<VerifyReport> {
  return verifyDeployment({
    serverName: SERVER_NAME,
    resolve: [`${SERVER_NAME}:443:127.0.0.1:${server.port}`],
    dns: `127.0.0.1:${dns.port}`,
    caPem: ca.certPem,
    timeoutMs,
    deadlineMs,
    allowWrites: false,
    allowOpenRegistration: false,
  });
}


describe("every request and every run ends on time, however slowly a server answers", () => {
  test("a well-known file trickled one byte every 300 ms is cut at the 1.5 s request deadline, and the run goes on", async () => {
    // 30 bytes at 300 ms each would take 9 s; an idle timeout of 1.5 s would never fire.
    const trickle = { body: delegation, byteEveryMs: 300 };
    await withTrickle({ "/.well-known/matrix/server": trickle, "/.well-known/matrix/client": trickle }, async (server) => {
      const report = await verifyAgainst(server, 1500, 60_000);
      const wellKnown = check(report, "discovery.well-known-server");
      const cut = wellKnown.evidence.find((line) => line.includes("no complete answer"));
      expect(cut).toMatch(new RegExp(`not fetched: no complete answer from 127\\.0\\.0\\.1:${server.port} within 1500 ms \\(headers after \\d+ ms, then [1-5] body bytes\\)`));
      expect(wellKnown.status).toBe("fail");
      expect(wellKnown.fix).toMatch(/^Make https:\/\/example\.test\/\.well-known\/matrix\/server answer at once: the host accepted the request, then stalled/);
      expect(check(report, "client.well-known").evidence.join("\n")).toContain(`no complete answer from 127.0.0.1:${server.port} within 1500 ms`);
      expect(check(report, "client.well-known").fix).toMatch(/^Make https:\/\/example\.test\/\.well-known\/matrix\/client answer at once/);
      // Both well-knowns are fetched in parallel: the run takes about one request deadline, not the 9 s of the body.
      expect(report.summary.wallTimeMs).toBeLessThan(5000);
      expect(report.summary.deadlineReached).toBe(false);
      expect(report.checks.map((c) => c.id)).not.toContain("run.deadline");
    });
  });

  test("the TLS of a well-known host whose file hangs is still judged: an expired certificate fails tls.well-known", async () => {
    const expired = await issueServerCertificate(ca, { names: [SERVER_NAME], notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) });
    const hang = { body: delegation, byteEveryMs: 1000, repeat: true };
    await withTrickle(
      { "/.well-known/matrix/server": hang, "/.well-known/matrix/client": hang },
      async (server) => {
        const report = await verifyAgainst(server, 1000, 60_000);
        const tls = check(report, "tls.well-known");
        expect(tls.status).toBe("fail");
        expect(tls.evidence.join("\n")).toContain("not trusted: certificate has expired (CERT_HAS_EXPIRED)");
        expect(tls.fix).toMatch(/^Renew the certificate for example\.test/);
      },
      expired,
    );
  });

  test("the TLS of a well-known host whose file hangs passes when its certificate is good, instead of skipping", async () => {
    const hang = { body: delegation, byteEveryMs: 1000, repeat: true };
    await withTrickle({ "/.well-known/matrix/server": hang, "/.well-known/matrix/client": hang }, async (server) => {
      const report = await verifyAgainst(server, 1000, 60_000);
      expect(check(report, "tls.well-known").status).toBe("pass");
      expect(check(report, "tls.well-known").evidence[0]).toMatch(new RegExp(`^handshake with 127\\.0\\.0\\.1:${server.port} as example\\.test: TLSv1\\.3`));
    });
  });

  test("the CLI against a never-ending trickle (1 byte / 1.5 s) with --timeout 10 --deadline 4 exits 1 within the deadline and reports run.deadline", async () => {
    const forever = { body: delegation, byteEveryMs: 1500, repeat: true };
    await withTrickle({ "/.well-known/matrix/server": forever, "/.well-known/matrix/client": forever }, async (server) => {
      const out = await runVerifyCli([
        SERVER_NAME,
        "--resolve",
        `${SERVER_NAME}:443:127.0.0.1:${server.port}`,
        "--dns",
        `127.0.0.1:${dns.port}`,
        "--timeout",
        "10",
        "--deadline",
        "4",
        "--format",
        "json",
      ]);
      const report = JSON.parse(out.stdout) as VerifyReport;
      expect(out.status).toBe(1);
      expect(report.summary.deadlineReached).toBe(true);
      expect(report.summary.deadlineMs).toBe(4000);
      // The run itself stops at 4 s; what is left over is Node's start-up and the report.
      expect(report.summary.wallTimeMs).toBeGreaterThanOrEqual(4000);
      expect(report.summary.wallTimeMs).toBeLessThan(5000);
      // Node's start-up on a busy machine takes seconds; without the deadline the process would run until the 120 s kill.
      expect(out.wallMs).toBeLessThan(20_000);
      const deadline = check(report, "run.deadline");
      expect(deadline.status).toBe("fail");
      expect(deadline.evidence[1]).toMatch(/^not run or cut short: .*TLS of the well-known host/);
      expect(check(report, "discovery.well-known-server").evidence.join("\n")).toContain("within the run's deadline of 4 s");
      console.error(`verify against a never-ending trickle: ${report.summary.wallTimeMs} ms in the run, ${Math.round(out.wallMs)} ms for the process, ${report.summary.httpRequests} HTTP requests`);
    });
  });
});
