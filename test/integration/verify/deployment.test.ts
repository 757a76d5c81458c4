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
import type { VerifyOptions, VerifyReport } from "../../../src/verify/types.ts";
import { runVerifyCli } from "./support/cli.ts";
import { check, problems } from "./support/report.ts";
import { MATRIX_HOST, SERVER_NAME, startDeployment, TURN_HOST, type Deployment, type DeploymentVariant } from "./support/deployment.ts";
import { startStunResponder, type StunResponder } from "./support/stun-responder.ts";

// One Synapse for the whole file, registration closed as the guides recommend, with metrics on
// their own listener and a TURN server (a STUN responder on loopback); every variant is its own
// nginx and DNS server in front of it.
let env: Environment;
let hs: Homeserver;
let caFile: string;
let goodPort: number;
let metricsPort: number;
let turn: StunResponder;
const user = { localpart: `verify-${randomBytes(3).toString("hex")}`, password: randomBytes(18).toString("base64url") };
const workDir = mkdtempSync(join(tmpdir(), "gauntlet-verify-"));

beforeAll(async () => {
  goodPort = await allocateFreePort();
  metricsPort = await allocateFreePort();
  turn = await startStunResponder();
  env = await startEnvironment({
    database: "sqlite",
    serverName: SERVER_NAME,
    publicBaseUrl: `https://${MATRIX_HOST}:${goodPort}/`,
    configOverrides: {
      enable_registration: false,
      enable_metrics: true,
      metrics_port: metricsPort,
      turn_uris: [`turn:${TURN_HOST}:${turn.port}?transport=udp`, `turn:${TURN_HOST}:${turn.port}?transport=tcp`],
      turn_shared_secret: randomBytes(18).toString("base64url"),
    },
    progress: (m) => console.error(m),
  });
  hs = env.homeserver("hs1");
  await provisionUser(hs, { localpart: user.localpart, password: user.password });
  caFile = join(workDir, "ca.pem");
  writeFileSync(caFile, env.state.ca.certPem);
});

afterAll(async () => {
  await env?.stop();
  await turn?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

function upstream() {
  return { clientUrl: hs.baseUrl, federationUrl: hs.federationUrl, metricsUrl: `http://127.0.0.1:${metricsPort}` };
}

async function withDeployment<T>(variant: DeploymentVariant, body: (deployment: Deployment) => Promise<T>, port?: number): Promise<T> {
  const deployment = await startDeployment(upstream(), env.state.ca, variant, port);
  try {
    return await body(deployment);
  } finally {
    await deployment.stop();
  }
}

function runCli(args: string[]) {
  return runVerifyCli(args, { GAUNTLET_VERIFY_PASSWORD: user.password });
}

function deploymentArgs(d: Deployment): string[] {
  return [SERVER_NAME, ...d.verifyArgs.resolve.flatMap((r) => ["--resolve", r]), "--dns", d.verifyArgs.dns, "--ca", caFile];
}

async function verifyVariant(d: Deployment, extra: Partial<VerifyOptions> = {}): Promise<VerifyReport> {
  return verifyDeployment({ serverName: SERVER_NAME, ...d.verifyArgs, caPem: env.state.ca.certPem, timeoutMs: 5000, deadlineMs: 60_000, allowWrites: false, allowOpenRegistration: false, ...extra });
}

/** With the test user's password login and --allow-writes. */
function verifyWithWrites(d: Deployment, extra: Partial<VerifyOptions> = {}): Promise<VerifyReport> {
  return verifyVariant(d, { allowWrites: true, credentials: { user: user.localpart, password: user.password }, ...extra });
}

describe("gauntlet verify against nginx + Synapse on loopback", () => {
  test("the guide-like deployment passes every check, writes included, and the summary gives time and request count", async () => {
    await withDeployment(
      {},
      async (d) => {
        const out = await runCli([...deploymentArgs(d), "--user", user.localpart, "--allow-writes", "--format", "json"]);
        expect(out.stderr).not.toContain(user.password);
        expect(out.stdout).not.toContain(user.password);
        // Nor the access token its login got (Synapse tokens start syt_).
        for (const text of [out.stdout, out.stderr]) expect(/\bsyt_[A-Za-z0-9_]+/.exec(text)?.[0]).toBeUndefined();
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
        expect(new Set(d.dns.questions)).toEqual(new Set([`SRV _matrix-fed._tcp.${MATRIX_HOST}`, `AAAA ${MATRIX_HOST}`, `A ${MATRIX_HOST}`, `AAAA ${TURN_HOST}`, `A ${TURN_HOST}`]));
        // The TURN server was asked over both transports turn_uris names.
        expect(check(report, "client.turn.reachable").evidence.join("\n")).toMatch(new RegExp(`UDP ${TURN_HOST}:${turn.port}: binding success in \\d+ ms, sees us as 127\\.0\\.0\\.1:\\d+\\nTCP ${TURN_HOST}:${turn.port}: binding success`));
        expect(check(report, "client.turn").evidence.join("\n")).toContain("username and password: present (not shown)");
        expect(check(report, "media.upload").evidence[0]).toMatch(/with 1052672 bytes \(m\.upload\.size 52428800\)$/);
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
    expect(check(report, "client.admin-api").evidence.join("\n")).toMatch(/HTTP 200\nserver_version: \d+\.\d+\.\d+.*\nreachable from outside$/);
    expect(check(report, "client.admin-api").fix).toMatch(/^Do not proxy \/_synapse\/admin/);
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

  test("proxy_pass with a URI part fails client.path-integrity for every probe with an encoded '/' and names the proxy_pass form", async () => {
    const report = await withDeployment({ proxyPassWithUri: true }, verifyVariant);
    expect(problems(report)).toEqual(["client.path-integrity=fail"]);
    const integrity = check(report, "client.path-integrity");
    const altered = integrity.evidence.find((line) => line.startsWith("altered on the way: "));
    expect(altered).toBe(
      "altered on the way: '/' (%2F) in a room ID; '/' (%2F) and '+' (%2B) in an event ID; '/' (%2F) in a room alias; room aliases, room IDs and event IDs with these characters break",
    );
    expect(integrity.evidence.join("\n")).toMatch(/rooms\/!gauntlet%2Fverify%3Aexample\.test\/state: 404 M_UNRECOGNIZED \(expected 401 M_MISSING_TOKEN\)/);
    expect(integrity.fix).toContain("proxy_pass http://127.0.0.1:8008;");
  });

  test("the guide's proxy_pass without a URI part passes client.path-integrity: every probe got its expected answer", async () => {
    const report = await withDeployment({}, verifyVariant);
    const integrity = check(report, "client.path-integrity");
    expect(integrity.status).toBe("pass");
    expect(integrity.evidence).toHaveLength(7);
    expect(integrity.evidence.filter((line) => / 401 M_MISSING_TOKEN$/.test(line))).toHaveLength(6);
    expect(integrity.evidence.filter((line) => / 404 M_NOT_FOUND$/.test(line))).toHaveLength(1);
  });

  test("nginx's default 1m body limit makes the upload above 1 MiB a 413 from the proxy: media.upload fails naming client_max_body_size", async () => {
    const report = await withDeployment({ clientMaxBodySize: null }, (d) => verifyWithWrites(d));
    expect(problems(report)).toEqual(["media.upload=fail"]);
    const upload = check(report, "media.upload");
    expect(upload.evidence.join("\n")).toMatch(/HTTP 413 in \d+ ms\nno Matrix errcode: the answer comes from the proxy \(Server: nginx/);
    expect(upload.fix).toMatch(/client_max_body_size/);
    // The small upload for the header check still went through.
    expect(check(report, "media.download-headers").status).toBe("pass");
  });

  test("read-only, media.upload and media.download-headers are skipped with the reason that an upload needs --allow-writes", async () => {
    const report = await withDeployment({ clientMaxBodySize: null }, (d) => verifyVariant(d, { credentials: { user: user.localpart, password: user.password } }));
    for (const id of ["media.upload", "media.download-headers"]) {
      expect(check(report, id).status).toBe("skip");
      expect(check(report, id).evidence[0]).toMatch(/^read-only run: the proxy's body size limit and the media download headers were not checked/);
    }
  });

  test("Content-Disposition hidden by the proxy fails media.download-headers; a hidden Content-Security-Policy alone is a warning", async () => {
    const both = await withDeployment({ hideMediaHeaders: ["Content-Disposition", "Content-Security-Policy"] }, (d) => verifyWithWrites(d));
    expect(problems(both)).toEqual(["media.download-headers=fail"]);
    expect(check(both, "media.download-headers").evidence).toContain("Content-Disposition: (absent)");
    expect(check(both, "media.download-headers").fix).toMatch(/Content-Disposition through the proxy/);
    const csp = await withDeployment({ hideMediaHeaders: ["Content-Security-Policy"] }, (d) => verifyWithWrites(d));
    expect(problems(csp)).toEqual(["media.download-headers=warn"]);
    expect(check(csp, "media.download-headers").evidence).toContain("Content-Security-Policy: (absent)");
    expect(check(csp, "media.download-headers").evidence.join("\n")).toMatch(/Content-Disposition: attachment/);
  });

  test("a redirect loop at /.well-known/matrix/server fails discovery.well-known-server as a redirect loop, in one line", async () => {
    let proxyPort = 0;
    const report = await withDeployment({ wellKnownRedirectLoop: true }, (d) => ((proxyPort = d.proxyPort), verifyVariant(d)));
    const wellKnown = check(report, "discovery.well-known-server");
    expect(wellKnown.status).toBe("fail");
    const loop = `https://${SERVER_NAME}:${proxyPort}/.well-known/matrix/server`;
    expect(wellKnown.evidence).toContain(`redirect loop: ${loop} -> ${loop}`);
    expect(wellKnown.evidence.filter((line) => line.startsWith("redirected from"))).toEqual([]);
    expect(wellKnown.evidence.join("\n")).not.toContain("a status other than 200 or 404");
    expect(wellKnown.fix).toMatch(/^Fix the redirect rule/);
  });

  test("a base_url ending in /_matrix fails client.well-known with the fix to remove /_matrix", async () => {
    const report = await withDeployment({ clientBaseUrl: (port) => `https://${MATRIX_HOST}:${port}/_matrix` }, verifyVariant);
    const wellKnown = check(report, "client.well-known");
    expect(wellKnown.status).toBe("fail");
    expect(wellKnown.fix).toMatch(/^Remove \/_matrix from base_url/);
    expect(check(report, "client.base-url").fix).toMatch(/^Remove \/_matrix from m\.homeserver\.base_url/);
  });

  test("/_synapse/metrics proxied to the metrics listener fails client.metrics with the metric families seen", async () => {
    const report = await withDeployment({ exposeMetrics: true }, verifyVariant);
    expect(problems(report)).toEqual(["client.metrics=fail"]);
    expect(check(report, "client.metrics").evidence.join("\n")).toMatch(/Prometheus metrics: \d+ metric families/);
    expect(check(report, "client.metrics").fix).toMatch(/Do not proxy \/_synapse\/metrics/);
  });

  test("a TURN server that does not answer fails client.turn.reachable for UDP and TCP within the request timeout", async () => {
    await turn.stop();
    try {
      const report = await withDeployment({}, (d) => verifyVariant(d, { timeoutMs: 2000, credentials: { user: user.localpart, password: user.password } }));
      expect(problems(report)).toEqual(["client.turn.reachable=fail"]);
      const evidence = check(report, "client.turn.reachable").evidence.join("\n");
      expect(evidence).toContain(`UDP ${TURN_HOST}:${turn.port}: no STUN answer over UDP from 127.0.0.1:${turn.port} within 2000 ms`);
      expect(evidence).toContain(`TCP ${TURN_HOST}:${turn.port}: connection refused by 127.0.0.1:${turn.port} (TCP)`);
    } finally {
      turn = await startStunResponder(turn.port);
    }
  });

  test("a deployment without federation: --no-federation reports federation.disabled and nothing fails; without it, discovery fails and names --no-federation", async () => {
    await withDeployment({ federation: false }, async (d) => {
      const off = await verifyVariant(d, { federation: false });
      expect(problems(off)).toEqual([]);
      expect(check(off, "federation.disabled").status).toBe("info");
      expect(off.checks.filter((c) => c.group === "discovery" || c.id.startsWith("federation.keys"))).toEqual([]);
      const on = await verifyVariant(d);
      expect(check(on, "discovery.resolution").status).toBe("fail");
      expect(check(on, "discovery.resolution").fix).toContain("--no-federation");
    });
  });

  test("without /.well-known/matrix/support, client.well-known-support is info; with the guide's file it passes with the contact", async () => {
    const none = await withDeployment({ supportFile: null }, verifyVariant);
    expect(check(none, "client.well-known-support").status).toBe("info");
    const good = await withDeployment({}, verifyVariant);
    expect(check(good, "client.well-known-support").status).toBe("pass");
    expect(check(good, "client.well-known-support").evidence).toContain(`contact m.role.admin: @admin:${SERVER_NAME}`);
  });
});
