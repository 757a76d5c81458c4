import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEnvironment, type Environment } from "../../../src/env/environment.ts";
import { provisionUser, type Homeserver } from "../../../src/env/homeserver.ts";
import { allocateFreePort } from "../../../src/env/ports.ts";
import { issueServerCertificate } from "../../../src/env/tls.ts";
import { verifyDeployment } from "../../../src/verify/index.ts";
import type { VerifyReport } from "../../../src/verify/types.ts";
import { MATRIX_HOST, SERVER_NAME, startDeployment, type Deployment, type DeploymentVariant } from "./support/deployment.ts";

// One Synapse for the whole file, registration closed as the guides recommend; every variant is
// its own nginx and DNS server in front of it.
let env: Environment;
let hs: Homeserver;
let caFile: string;
let goodPort: number;
const user = { localpart: `verify-${randomBytes(3).toString("hex")}`, password: randomBytes(18).toString("base64url") };
const workDir = mkdtempSync(join(tmpdir(), "gauntlet-verify-"));

beforeAll(async () => {
  goodPort = await allocateFreePort();
  env = await startEnvironment({
    database: "sqlite",
    serverName: SERVER_NAME,
    publicBaseUrl: `https://${MATRIX_HOST}:${goodPort}/`,
    configOverrides: { enable_registration: false },
    progress: (m) => console.error(m),
  });
  hs = env.homeserver("hs1");
  await provisionUser(hs, { localpart: user.localpart, password: user.password });
  caFile = join(workDir, "ca.pem");
  writeFileSync(caFile, env.state.ca.certPem);
});

afterAll(async () => {
  await env?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

function upstream() {
  return { clientUrl: hs.baseUrl, federationUrl: hs.federationUrl };
}

async function withDeployment<T>(variant: DeploymentVariant, body: (deployment: Deployment) => Promise<T>, port?: number): Promise<T> {
  const deployment = await startDeployment(upstream(), env.state.ca, variant, port);
  try {
    return await body(deployment);
  } finally {
    await deployment.stop();
  }
}

/** Runs the CLI as a user would, in a child process (asynchronously: the DNS server lives in this process). */
async function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn("node_modules/.bin/node", ["src/cli/main.ts", "verify", ...args], { env: { ...process.env, GAUNTLET_VERIFY_PASSWORD: user.password }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const status = await new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

function deploymentArgs(d: Deployment): string[] {
  return [SERVER_NAME, ...d.verifyArgs.resolve.flatMap((r) => ["--resolve", r]), "--dns", d.verifyArgs.dns, "--ca", caFile];
}

async function verifyVariant(d: Deployment): Promise<VerifyReport> {
  return verifyDeployment({ serverName: SERVER_NAME, ...d.verifyArgs, caPem: env.state.ca.certPem, timeoutMs: 5000, allowWrites: false, allowOpenRegistration: false });
}

/** Checks that did not pass or skip, as `id=status`, so a test can say exactly which checks a mistake trips. */
function problems(report: VerifyReport): string[] {
  return report.checks.filter((c) => c.status === "warn" || c.status === "fail").map((c) => `${c.id}=${c.status}`).sort();
}

function check(report: VerifyReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(", ")}`);
  return found;
}

describe("gauntlet verify against nginx + Synapse on loopback", () => {
  test("the guide-like deployment passes every check, writes included, and the summary gives time and request count", async () => {
    await withDeployment(
      {},
      async (d) => {
        const out = await runCli([...deploymentArgs(d), "--user", user.localpart, "--allow-writes", "--format", "json"]);
        expect(out.stderr).not.toContain(user.password);
        expect(out.stdout).not.toContain(user.password);
        const report = JSON.parse(out.stdout) as VerifyReport;
        expect(problems(report)).toEqual([]);
        expect(report.checks.filter((c) => c.status === "skip").map((c) => c.id)).toEqual([]);
        expect(out.status).toBe(0);
        expect(report.summary.federation).toMatchObject({ host: MATRIX_HOST, port: d.proxyPort, tlsServerName: MATRIX_HOST, hostHeader: MATRIX_HOST, via: ".well-known then SRV _matrix-fed._tcp" });
        expect(report.summary.clientBaseUrl).toBe(`https://${MATRIX_HOST}:${d.proxyPort}`);
        expect(check(report, "account.sync").evidence.join(" ")).toMatch(/send to \/sync delivery: \d+ ms/);
        // The access log shows the writes happened through the proxy, so the read-only test below can rely on it.
        const log = d.nginx.accessLog();
        expect(log.some((l) => l.method === "PUT" && l.uri.includes("/send/m.room.message/"))).toBe(true);
        expect(log.some((l) => l.method === "POST" && l.uri.endsWith("/forget"))).toBe(true);
        // Every request of the verifier went through the proxy, so the log and the count must agree.
        expect(report.summary.httpRequests).toBe(log.length);
        // Only the deployment's own names were ever looked up.
        expect(new Set(d.dns.questions)).toEqual(new Set([`SRV _matrix-fed._tcp.${MATRIX_HOST}`, `AAAA ${MATRIX_HOST}`, `A ${MATRIX_HOST}`]));
        console.error(
          `full verify (with writes): ${report.summary.wallTimeMs} ms, ${report.summary.httpRequests} HTTP requests ${JSON.stringify(report.summary.requestsByMethod)}, ` +
            `${report.summary.tlsHandshakes} TLS probes, ${report.summary.dnsQueries} DNS queries`,
        );
      },
      goodPort,
    );
  });

  test("read-only: without --allow-writes only GET/HEAD/OPTIONS and the login/logout pair reach the server", async () => {
    await withDeployment({}, async (d) => {
      const out = await runCli([...deploymentArgs(d), "--user", user.localpart, "--format", "junit"]);
      expect(out.status).toBe(0);
      expect(out.stdout).toContain("<testsuites");
      expect(out.stdout).not.toContain("<failure");
      expect(out.stdout).not.toContain(user.password);
      const log = d.nginx.accessLog();
      expect(log.length).toBeGreaterThan(10);
      const writes = log.filter((l) => !["GET", "HEAD", "OPTIONS"].includes(l.method));
      expect(writes.map((l) => `${l.method} ${l.uri}`)).toEqual(["POST /_matrix/client/v3/login", "POST /_matrix/client/v3/logout"]);
      expect(out.stdout).toMatch(/account\.room: Create a private room">\s*<skipped/);
      console.error(`read-only verify: ${/<testsuites [^>]*time="([\d.]+)"/.exec(out.stdout)?.[1]} s, ${log.length} HTTP requests`);
    });
  });

  test("missing CORS on /.well-known/matrix/client fails client.well-known.cors", async () => {
    const report = await withDeployment({ clientWellKnownCors: false }, verifyVariant);
    expect(problems(report)).toEqual(["client.well-known.cors=fail"]);
    expect(check(report, "client.well-known.cors").evidence).toContain("Access-Control-Allow-Origin: (absent)");
    expect(check(report, "client.well-known.cors").fix).toMatch(/add_header Access-Control-Allow-Origin \*/);
  });

  test("m.server pointing at the wrong port fails discovery.resolution and names m.server", async () => {
    const unused = await allocateFreePort();
    const report = await withDeployment({ mServer: () => `${MATRIX_HOST}:${unused}` }, verifyVariant);
    expect(problems(report)).toEqual(["discovery.resolution=fail"]);
    const resolution = check(report, "discovery.resolution");
    expect(resolution.evidence.join("\n")).toContain(`connection refused by 127.0.0.1:${unused}`);
    expect(resolution.fix).toContain(`${MATRIX_HOST}:${unused}`);
    expect(resolution.fix).toContain("m.server");
    expect(check(report, "federation.keys").status).toBe("skip");
  });

  test("HTML at /.well-known/matrix/server fails discovery.well-known-server", async () => {
    const report = await withDeployment({ wellKnownServer: { body: "<!doctype html><html><body>Welcome</body></html>", contentType: "text/html" } }, verifyVariant);
    const wellKnown = check(report, "discovery.well-known-server");
    expect(wellKnown.status).toBe("fail");
    expect(wellKnown.evidence.join("\n")).toMatch(/body is not a JSON object \(content-type text\/html, starts "<!doctype html>/);
    expect(wellKnown.fix).toMatch(/application\/json/);
    expect(report.summary.ok).toBe(false);
  });

  test("an expired certificate fails both TLS checks and nothing else", async () => {
    const day = 86_400_000;
    const report = await withDeployment(
      { matrixCertificate: (ca) => issueServerCertificate(ca, { names: [MATRIX_HOST], notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) }) },
      verifyVariant,
    );
    expect(problems(report)).toEqual(["tls.client=fail", "tls.federation=fail"]);
    expect(check(report, "tls.client").evidence.join("\n")).toContain("not trusted: certificate has expired (CERT_HAS_EXPIRED)");
    expect(check(report, "tls.federation").fix).toMatch(/^Renew the certificate for matrix\.test/);
  });

  test("a certificate for the wrong name fails both TLS checks", async () => {
    const report = await withDeployment({ matrixCertificate: (ca) => issueServerCertificate(ca, { names: ["wrong.test"] }) }, verifyVariant);
    expect(problems(report)).toEqual(["tls.client=fail", "tls.federation=fail"]);
    expect(check(report, "tls.client").evidence.join("\n")).toMatch(/not trusted: .*matrix\.test.* is not in the cert's altnames: DNS:wrong\.test/);
    expect(check(report, "tls.client").fix).toMatch(/whose names include matrix\.test/);
  });

  test("the admin API exposed through the proxy is a client.admin-api warning", async () => {
    const report = await withDeployment({ exposeAdminApi: true }, verifyVariant);
    expect(problems(report)).toEqual(["client.admin-api=warn"]);
    expect(check(report, "client.admin-api").evidence).toContain("the admin API is reachable from outside");
  });

  test("a key response with a bad signature fails federation.keys.signature", async () => {
    // The homeserver's real key response, with valid_until_ts moved: the signature no longer matches.
    const real = await request(`${hs.federationUrl}/_matrix/key/v2/server`, { dispatcher: new Agent({ connect: { ca: env.state.ca.certPem, servername: "localhost" } }) });
    const body = (await real.body.json()) as Record<string, unknown>;
    expect(body.server_name).toBe(SERVER_NAME);
    const tampered = JSON.stringify({ ...body, valid_until_ts: Date.now() + 2 * 86_400_000 });
    const report = await withDeployment({ keyResponseOverride: tampered }, verifyVariant);
    expect(problems(report)).toEqual(["federation.keys.signature=fail"]);
    expect(check(report, "federation.keys.signature").evidence.join("\n")).toMatch(/signature check failed: ed25519:\w+: signature does not match the content/);
  });
});
