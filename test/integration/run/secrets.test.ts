import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Environment } from "../../../src/env/environment.ts";
import { queryRunPostgres } from "../../../src/env/database.ts";
import { faultById } from "../../../src/mutation/faults.ts";
import { MutationProxy } from "../../../src/mutation/proxy.ts";
import { runCli, type CliResult } from "../env/cli.ts";

// Every artefact a run and a bench produce, scanned for every credential that existed while they
// ran: the environment's secrets, every access token the homeserver issued (read from its
// database afterwards) and the passwords the suites generate. The suites run through a proxy that
// turns errors into HTML, so that many tests fail and their reports carry request dumps.

// Generated passwords (`pw-` and 16 base64url characters) and Synapse's access and refresh tokens.
const CREDENTIAL_SHAPES = [/\bpw-[A-Za-z0-9_-]{16}\b/, /\bsy[tr]_[A-Za-z0-9]+_[A-Za-z0-9]+_[A-Za-z0-9]+\b/];

let environment: Environment;
let runId = "";
beforeAll(async () => {
  const up = await runCli(["env", "up", "--db", "postgres", "--servers", "1", "--json"], { timeoutMs: 300_000 });
  expect(up.code, up.stderr).toBe(0);
  runId = (JSON.parse(up.stdout) as { runId: string }).runId;
  environment = Environment.load(runId);
});
afterAll(async () => {
  if (runId) await runCli(["env", "down", runId]);
});

/** Every file under a directory, as text. */
function readTree(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => ({ path: join(entry.parentPath, entry.name), text: readFileSync(join(entry.parentPath, entry.name), "latin1") }));
}

function expectNoCredential(artefacts: { path: string; text: string }[], secrets: string[]): void {
  expect(artefacts.length).toBeGreaterThan(3);
  for (const { path, text } of artefacts) {
    for (const secret of secrets) expect(text.includes(secret), `${path} holds a credential (${secret.slice(0, 4)}…)`).toBe(false);
    for (const shape of CREDENTIAL_SHAPES) expect(shape.exec(text)?.[0], `${path} holds something shaped like a credential`).toBeUndefined();
  }
}

const output = (name: string, result: CliResult) => [
  { path: `${name} stdout`, text: result.stdout },
  { path: `${name} stderr`, text: result.stderr },
];

test("no artefact of a run with failing tests holds a token, password or shared secret", async () => {
  const hs = environment.homeserver("hs1");
  const proxy = await MutationProxy.start(hs.baseUrl);
  const out = join(mkdtempSync(join(tmpdir(), "gauntlet-secrets-")), "out");
  let run: CliResult;
  try {
    proxy.inject(faultById("errors/error-as-html"));
    run = await runCli(
      ["run", "--url", proxy.url, "--server-name", hs.serverName, "--registration-secret", hs.registrationSharedSecret, "--suite", "client/login", "--suite", "client/account", "--out", out],
      { timeoutMs: 600_000 },
    );
  } finally {
    await proxy.close();
  }
  expect(run.code, "the injected fault fails tests, so the gate fails").toBe(1);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { summary: { failed: number } };
  expect(results.summary.failed).toBeGreaterThan(5);
  // Every token the homeserver issued during the run, and the environment's own secrets.
  const tokens = (await queryRunPostgres(environment.state, "SELECT token FROM access_tokens UNION SELECT token FROM refresh_tokens", hs.database.name)).split("\n").map((t) => t.trim()).filter(Boolean);
  expect(tokens.length).toBeGreaterThan(5);
  const secrets = [...tokens, hs.registrationSharedSecret, hs.admin.accessToken, hs.admin.password, environment.state.postgres!.password];
  if (hs.appservice) secrets.push(hs.appservice.as_token, hs.appservice.hs_token);
  const artefacts = [...output("gauntlet run", run), ...readTree(out)];
  // The reports a person and a machine read are all there: results, JUnit, Markdown, Allure results and report.
  for (const report of ["results.json", "junit.xml", "summary.md", "allure-results", "allure-report"]) {
    expect(artefacts.some((a) => a.path.startsWith(join(out, report))), `${report} was written`).toBe(true);
  }
  expectNoCredential(artefacts, secrets);
});

test("no artefact of a bench holds a token or password", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "gauntlet-secrets-")), "bench");
  const bench = await runCli(["bench", "--scenarios", "login", "--db", "sqlite", "--repeat", "1", "--duration", "3s", "--engine", "node", "--out", out], { timeoutMs: 600_000 });
  expect(bench.code, bench.stderr).toBe(0);
  const artefacts = [...output("gauntlet bench", bench), ...readTree(out)];
  expect(artefacts.some((a) => a.path.endsWith("report.html"))).toBe(true);
  expectNoCredential(artefacts, []);
});
