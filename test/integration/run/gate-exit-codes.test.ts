import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { RunResults } from "../../../src/run/results.ts";
import { FAKE_TOKEN, FakeHomeserver } from "../../unit/client/fake-homeserver.ts";

// `gauntlet run --url` against a local stand-in for a broken homeserver: the real suites are
// checked against Synapse elsewhere; here the point is the gate's verdict and exit code.
const NODE = join(process.cwd(), "node_modules", ".bin", "node");
const CLI = join(process.cwd(), "src", "cli", "main.ts");

let hs: FakeHomeserver;
let work: string;

beforeEach(async () => {
  hs = await new FakeHomeserver().start();
  work = mkdtempSync(join(tmpdir(), "gauntlet-gate-"));
});
afterEach(async () => {
  await hs.stop();
});

function expectations(entries: Record<string, string>): string {
  const path = join(work, `expect-${Object.keys(entries).length}-${Math.random().toString(36).slice(2)}.json`);
  const expectedFailures = Object.fromEntries(Object.entries(entries).map(([id, reason]) => [id, { reason }]));
  writeFileSync(path, JSON.stringify({ homeserver: "synapse", expectedFailures }));
  return path;
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string; results: RunResults; out: string }> {
  const out = join(work, `out-${Math.random().toString(36).slice(2)}`);
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      NODE,
      [CLI, "run", "--url", hs.baseUrl, "--suite", "client/discovery", "--out", out, "--no-allure", "--request-timeout", "2", "--quiet", ...args],
      { timeout: 120_000, env: { ...process.env, GITHUB_STEP_SUMMARY: "" } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as RunResults;
  // No report may carry the access token the stand-in handed out.
  for (const file of readdirSync(out)) expect(readFileSync(join(out, file), "utf8")).not.toContain(FAKE_TOKEN);
  return { code, stdout, stderr, results, out };
}

// The tests that call /capabilities. (/versions must work: the pre-flight check stops a run without it.)
const CAPABILITIES_IDS = [
  "client/discovery::capabilities > advertises the default and available room versions",
  "client/discovery::capabilities > requires an access token: 401 M_MISSING_TOKEN",
];
const PASSING_ID = "client/discovery::versions > lists the spec versions the server supports";

describe("gauntlet run exit codes", () => {
  test("0 when every test passes", async () => {
    const { code, results, stdout } = await run(["--expect", expectations({})]);
    expect(results.summary).toMatchObject({ total: 5, passed: 5, unexpectedFailures: 0 });
    expect(stdout).toContain("gate: PASSED");
    expect(code).toBe(0);
  });

  test("1 on an unexpected failure (a 500), with the request, the response and a hint in the results", async () => {
    hs.overrides.set("/_matrix/client/v3/capabilities", { kind: "json", status: 500, body: { errcode: "M_UNKNOWN", error: "Internal server error" } });
    const { code, results } = await run(["--expect", expectations({})]);
    expect(code).toBe(1);
    expect(results.summary.unexpectedFailures).toBe(2);
    const failure = results.tests.find((t) => t.id === CAPABILITIES_IDS[0]);
    expect(failure?.message).toContain("→ GET /_matrix/client/v3/capabilities");
    expect(failure?.message).toContain("← HTTP 500");
    expect(failure?.message).toContain("hint: the homeserver failed internally");
  });

  test("0 when the failures are expected", async () => {
    hs.overrides.set("/_matrix/client/v3/capabilities", { kind: "json", status: 500, body: { errcode: "M_UNKNOWN" } });
    const { code, results } = await run(["--expect", expectations(Object.fromEntries(CAPABILITIES_IDS.map((id) => [id, "fails on purpose in this test"])))]);
    expect(results.summary).toMatchObject({ expectedFailures: 2, unexpectedFailures: 0 });
    expect(code).toBe(0);
  });

  test("an unexpected pass is listed, and fails the gate only with --strict", async () => {
    const file = expectations({ [PASSING_ID]: "listed as failing but passes" });
    const lenient = await run(["--expect", file]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain(`+ ${PASSING_ID}`);
    const strict = await run(["--expect", file, "--strict"]);
    expect(strict.code).toBe(1);
    expect(strict.results.gate.reasons).toEqual(["1 unexpected pass(es) under --strict"]);
  });

  test("a stale expectation is reported, and fails the gate only with --strict", async () => {
    const file = expectations({ "client/discovery::no test has this name": "renamed long ago" });
    const lenient = await run(["--expect", file]);
    expect(lenient.code).toBe(0);
    expect(lenient.results.expectations.stale).toEqual([{ id: "client/discovery::no test has this name", reason: "client/discovery.test.ts has no test of this name" }]);
    expect((await run(["--expect", file, "--strict"])).code).toBe(1);
  });

  test("a homeserver that hangs, answers non-JSON, or dies mid-run fails tests with hints, and the run still reports", async () => {
    hs.overrides.set("/_matrix/client/v3/capabilities", { kind: "hang" });
    hs.overrides.set("/.well-known/matrix/client", { kind: "text", status: 200, body: "<html>not json</html>" });
    const { code, results } = await run(["--expect", expectations({})]);
    expect(code).toBe(1);
    const byId = new Map(results.tests.map((t) => [t.id, t]));
    expect(byId.get("client/discovery::capabilities > advertises the default and available room versions")?.message).toContain("hint: the homeserver did not answer in time");
    expect(byId.get("client/discovery::.well-known discovery > points clients at the homeserver base URL")?.message).toContain("expected a JSON body");
    expect(results.summary.passed).toBe(2);
  });

  test("a homeserver that dies after a few requests fails the rest with a hint, and the run still reports", async () => {
    // The pre-flight check's GET /versions and the suites' first two requests are answered; then nothing listens.
    hs.dieAfter = 3;
    const { code, results } = await run(["--expect", expectations({}), "--workers", "1"]);
    expect(code).toBe(1);
    expect(results.summary.total).toBe(5);
    expect(results.summary.failed).toBeGreaterThanOrEqual(3);
    const messages = results.tests.filter((t) => t.status === "failed").map((t) => t.message ?? "");
    for (const message of messages) {
      expect(message).toMatch(new RegExp(`^HomeserverUnreachableError: (GET|POST) /\\S+: no answer from ${hs.baseUrl.replace(/[.]/g, "\\.")}\\n`));
      expect(message).toMatch(/\n\nhint: (the homeserver closed the connection without an answer: it may have crashed mid-request|nothing listens at the homeserver's address: it has probably exited); check its log/);
    }
    expect(messages.some((m) => m.includes("hint: nothing listens at the homeserver's address: it has probably exited"))).toBe(true);
  });

  test("2 for a usage error, before anything starts", async () => {
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(NODE, [CLI, "run", "--url", hs.baseUrl, "--suite", "client/no-such-suite"], { timeout: 60_000 }, (error, _stdout, stderr) =>
        resolve({ code: (error as { code?: number } | null)?.code ?? 0, stderr }),
      );
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^gauntlet: --suite client\/no-such-suite names no suite; suites are: .*client\/discovery/);
    expect(hs.requests).toEqual([]);
  });
});

describe("gauntlet merge", () => {
  test("the results of two shards merge into one report whose gate matches the whole run", async () => {
    const allowed = expectations(Object.fromEntries(CAPABILITIES_IDS.map((id) => [id, "the stand-in's /capabilities is broken on purpose"])));
    hs.overrides.set("/_matrix/client/v3/capabilities", { kind: "json", status: 500, body: { errcode: "M_UNKNOWN" } });
    const suites = ["--suite", "client/login", "--expect", allowed];
    const one = await run([...suites, "--shard", "1/2"]);
    const two = await run([...suites, "--shard", "2/2"]);
    const ids = [...one.results.tests, ...two.results.tests].map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    const shardFiles = [one, two].map((s) => new Set(s.results.tests.map((t) => t.file)));
    expect(shardFiles.every((files) => files.size === 1)).toBe(true);
    // Each shard alone sees no stale entry for the file the other shard ran.
    for (const s of [one, two]) expect(s.results.expectations.stale).toEqual([]);

    const out = join(work, "merged");
    const merged = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(NODE, [CLI, "merge", one.out, join(two.out, "results.json"), "--out", out, "--expect", allowed, "--no-allure"], { timeout: 60_000, env: { ...process.env, GITHUB_STEP_SUMMARY: "" } }, (error, stdout) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as RunResults;
    expect(results.tests.map((t) => t.id).sort()).toEqual([...ids].sort());
    expect(results.summary.expectedFailures).toBe(one.results.summary.expectedFailures + two.results.summary.expectedFailures);
    expect(results.summary.unexpectedFailures).toBe(one.results.summary.unexpectedFailures + two.results.summary.unexpectedFailures);
    expect(merged.code).toBe(results.summary.unexpectedFailures > 0 ? 1 : 0);
    expect(merged.code).toBe(Math.max(one.code, two.code));
    expect(readFileSync(join(out, "junit.xml"), "utf8")).toContain("<testsuites");
    expect(results.selection.shard).toBe("1/2 + 2/2");
  });
});
