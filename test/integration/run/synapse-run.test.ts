import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import type { RunResults } from "../../../src/run/results.ts";
import { Environment } from "../../../src/env/environment.ts";
import { runStatePath } from "../../../src/env/state.ts";

const NODE = join(process.cwd(), "node_modules", ".bin", "node");
const CLI = join(process.cwd(), "src", "cli", "main.ts");

function gauntlet(args: string[], onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(NODE, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, (signal) => child.kill(signal));
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function runIdOf(stderr: string): string {
  const match = /environment (\S+) ready/.exec(stderr);
  if (!match?.[1]) throw new Error(`no run id in:\n${stderr}`);
  return match[1];
}

test("gauntlet run starts Synapse, runs suites, writes every report and tears the environment down", async () => {
  const out = mkdtempSync(join(tmpdir(), "gauntlet-run-"));
  const { code, stdout, stderr } = await gauntlet(["run", "--db", "sqlite", "--suite", "client/discovery", "--suite", "client/login", "--out", out]);
  expect(stdout).toContain("gate: PASSED");
  expect(code).toBe(0);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as RunResults;
  expect(results.summary.unexpectedFailures).toBe(0);
  expect(results.tests.length).toBeGreaterThan(10);
  // Each homeserver's implementation, and the version it states over the federation API.
  expect(results.target.implementation).toBe("synapse");
  expect(results.target.homeservers.map((hs) => hs.name)).toEqual(["hs1", "hs2"]);
  for (const hs of results.target.homeservers) {
    expect(hs.implementation).toBe("synapse");
    expect(hs.version).toMatch(/^\d+\.\d+\.\d+/);
  }
  expect(stdout).toMatch(/target: hs1 synapse \d+\.\d+\.\d+\S*, hs2 synapse \d+\.\d+\.\d+\S* on sqlite/);
  for (const t of results.tests) {
    expect(t.id).toMatch(/^client\/(discovery|login)::/);
    expect(t.endpoints.length).toBeGreaterThan(0);
    expect(t.specSection).toMatch(/^client-server-api\/#/);
  }
  expect(readFileSync(join(out, "junit.xml"), "utf8")).toContain("<testsuites");
  expect(readFileSync(join(out, "summary.md"), "utf8")).toContain("## Gauntlet: synapse on sqlite: ✅ passed");
  expect(existsSync(join(out, "allure-report", "index.html"))).toBe(true);
  // The run's containers and state are gone afterwards.
  expect(existsSync(runStatePath(runIdOf(stderr)))).toBe(false);
});

test("SIGINT during the suites tears the environment down and exits 130", async () => {
  const out = mkdtempSync(join(tmpdir(), "gauntlet-run-"));
  let sent = false;
  const { code, stderr } = await gauntlet(["run", "--db", "sqlite", "--suite", "client/membership", "--out", out, "--no-allure"], (text, kill) => {
    // Interrupt once a few tests have finished, so the environment and the workers are busy.
    if (!sent && /\n\s+3 [✓✗]/.test(text)) {
      sent = true;
      kill("SIGINT");
    }
  });
  expect(sent).toBe(true);
  expect(code).toBe(130);
  expect(stderr).toContain("tearing down run");
  expect(existsSync(runStatePath(runIdOf(stderr)))).toBe(false);
});

/** Every file under a directory, as text. */
function readTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8"));
}

test("the application-service and email suites use the run's harness services, shuffled, and no report holds a credential", async () => {
  const out = mkdtempSync(join(tmpdir(), "gauntlet-run-"));
  const { code, stdout, stderr } = await gauntlet(["run", "--db", "sqlite", "--servers", "1", "--suite", "client/appservice", "--suite", "client/email", "--shuffle", "--keep", "--no-allure", "--out", out]);
  const runId = runIdOf(stderr);
  try {
    expect(code, stdout + stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as RunResults;
    // Nothing skipped: the mail sink and the application service were there for every test that needs them.
    expect(results.summary.skipped).toBe(0);
    expect(results.tests.filter((t) => t.id.startsWith("client/email::") && t.status === "passed").length).toBeGreaterThanOrEqual(8);
    expect(results.tests.find((t) => t.id.includes("pings the application service"))?.status).toBe("passed");
    expect(results.selection.shuffleSeed).toEqual(expect.any(Number));
    expect(stdout).toContain(`--shuffle ${results.selection.shuffleSeed} repeats it`);
    const record = Environment.load(runId).state.homeservers[0]!;
    const credentials = [record.appservice!.as_token, record.appservice!.hs_token, record.admin.accessToken, record.registrationSharedSecret];
    for (const text of [stdout, stderr, ...readTree(out)]) for (const secret of credentials) expect(text).not.toContain(secret);
  } finally {
    await gauntlet(["env", "down", runId]);
  }
  expect(existsSync(runStatePath(runId))).toBe(false);
});
