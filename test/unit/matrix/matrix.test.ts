import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { UserError } from "../../../src/errors/user-error.ts";
import { renderMatrixHtml } from "../../../src/matrix/html.ts";
import { renderMatrixMarkdown } from "../../../src/matrix/markdown.ts";
import { buildMatrix } from "../../../src/matrix/model.ts";
import { writeMatrix } from "../../../src/matrix/report.ts";
import type { RunResults, TestRecord, TestedHomeserver } from "../../../src/run/results.ts";

type Outcome = "pass" | "expected" | "unexpected" | "skip";

function record(id: string, outcome: Outcome): TestRecord {
  const file = `${id.slice(0, id.indexOf("::"))}.test.ts`;
  const failed = outcome === "expected" || outcome === "unexpected";
  return {
    id,
    file,
    name: id.slice(id.indexOf("::") + 2),
    status: failed ? "failed" : outcome === "skip" ? "skipped" : "passed",
    durationMs: 3,
    endpoints: [],
    specSection: null,
    message: failed ? `expected HTTP 200, got 500 <${id}>\nsecond line` : null,
    verdict: outcome === "expected" ? "expected-failure" : outcome === "unexpected" ? "unexpected-failure" : outcome === "skip" ? "skipped" : "pass",
    ...(outcome === "expected" ? { expectation: { reason: "a known bug of this server" } } : {}),
  };
}

function run(hs1: string, hs2: string | null, database: string, tests: [string, Outcome][]): RunResults {
  const homeservers: TestedHomeserver[] = [{ name: "hs1", implementation: hs1, version: hs1 === "synapse" ? "1.160.0" : null, baseUrl: "http://127.0.0.1:1" }];
  if (hs2) homeservers.push({ name: "hs2", implementation: hs2, version: hs2 === "synapse" ? "1.160.0" : "0.13.8", baseUrl: "http://127.0.0.1:2" });
  return {
    version: 2,
    tool: "gauntlet",
    startedAt: "2026-12-01T00:00:00.000Z",
    durationMs: 1,
    target: { implementation: hs2 && hs2 !== hs1 ? `${hs1}+${hs2}` : hs1, database, runId: null, homeservers },
    selection: { suites: [], grep: null, shard: null },
    timings: { environmentMs: 0, suitesMs: 0 },
    errors: [],
    expectations: { file: null, strict: false, stale: [] },
    gate: { passed: true, exitCode: 0, reasons: [] },
    summary: { total: 0, passed: 0, failed: 0, skipped: 0, unexpectedFailures: 0, expectedFailures: 0, unexpectedPasses: 0, staleExpectations: 0 },
    tests: tests.map(([id, outcome]) => record(id, outcome)),
  };
}

const sqlite = run("synapse", "synapse", "sqlite", [
  ["client/login::logs in", "pass"],
  ["client/login::refuses a bad password: 403 M_FORBIDDEN", "expected"],
  ["client/sync::syncs", "pass"],
  ["federation/join::joins", "unexpected"],
]);
const postgres = run("synapse", "synapse", "postgres", [
  ["client/login::logs in", "pass"],
  ["client/login::refuses a bad password: 403 M_FORBIDDEN", "pass"],
  ["client/sync::syncs", "skip"],
]);
const pair = run("synapse", "dendrite", "postgres", [["federation/two-homeservers::messages flow both ways", "expected"]]);
const runs = [
  { source: "sqlite/results.json", results: sqlite },
  { source: "postgres/results.json", results: postgres },
  { source: "pair/results.json", results: pair },
];

describe("compliance matrix", () => {
  const matrix = buildMatrix(runs);

  test("columns are implementation × database, and a pair of different implementations is its own column", () => {
    expect(matrix.columns.map((c) => [c.key, c.label, c.hs1, c.hs2, c.database])).toEqual([
      ["synapse/sqlite", "synapse · sqlite", "synapse", null, "sqlite"],
      ["synapse/postgres", "synapse · postgres", "synapse", null, "postgres"],
      ["synapse+dendrite/postgres", "synapse ↔ dendrite · postgres", "synapse", "dendrite", "postgres"],
    ]);
    expect(matrix.columns[2]!.versions).toEqual(["hs1 synapse 1.160.0", "hs2 dendrite 0.13.8"]);
  });

  test("rows are each suite folder, then its files, sorted", () => {
    expect(matrix.rows.map((r) => `${r.kind}:${r.label}`)).toEqual(["area:client", "suite:client/login", "suite:client/sync", "area:federation", "suite:federation/join", "suite:federation/two-homeservers"]);
  });

  test("a cell counts passed, expected and unexpected failures; a suite a deployment did not run has no cell", () => {
    const counts = (label: string) => matrix.rows.find((r) => r.label === label)!.cells.map((c) => (c ? [c.passed, c.expectedFailures, c.unexpectedFailures, c.skipped] : null));
    expect(counts("client/login")).toEqual([[1, 1, 0, 0], [2, 0, 0, 0], null]);
    expect(counts("client/sync")).toEqual([[1, 0, 0, 0], [0, 0, 0, 1], null]);
    expect(counts("client")).toEqual([[2, 1, 0, 0], [2, 0, 0, 1], null]);
    expect(counts("federation/join")).toEqual([[0, 0, 1, 0], null, null]);
    expect(counts("federation/two-homeservers")).toEqual([null, null, [0, 1, 0, 0]]);
  });

  test("a cell with failures links to them; one without has no link", () => {
    const login = matrix.rows.find((r) => r.label === "client/login")!;
    expect(login.cells[0]!.anchor).toBe("failures-synapse-sqlite-client-login");
    expect(login.cells[0]!.failures).toEqual([{ id: "client/login::refuses a bad password: 403 M_FORBIDDEN", verdict: "expected-failure", reason: "a known bug of this server", message: "expected HTTP 200, got 500 <client/login::refuses a bad password: 403 M_FORBIDDEN>" }]);
    expect(login.cells[1]!.anchor).toBeNull();
  });

  test("in the HTML every link has exactly one target, and text is escaped", () => {
    const page = renderMatrixHtml(matrix);
    const links = [...page.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
    expect(links).toHaveLength(6);
    for (const anchor of links) expect(page.split(`id="${anchor}"`)).toHaveLength(2);
    expect(page).toContain("got 500 &lt;federation/join::joins&gt;");
    expect(page).not.toContain("<federation/join::joins>");
    expect(page).not.toContain("second line");
    expect(page).not.toContain("<script");
  });

  test("the Markdown table has a row per area and suite, and each linked cell's anchor is named below it", () => {
    const md = renderMatrixMarkdown(matrix);
    expect(md).toContain("| area / suite | synapse · sqlite (hs1 synapse 1.160.0, hs2 synapse 1.160.0) | synapse · postgres (hs1 synapse 1.160.0, hs2 synapse 1.160.0) | synapse ↔ dendrite · postgres (hs1 synapse 1.160.0, hs2 dendrite 0.13.8) |");
    expect(md).toContain("| &nbsp;&nbsp;client/login | [1 / 1 / 0](#failures-synapse-sqlite-client-login) | 2 / 0 / 0 | — |");
    expect(md).toContain("| **federation** | [**0 / 0 / 1**](#failures-synapse-sqlite-federation-all) | — | [0 / 1 / 0](#failures-synapse-dendrite-postgres-federation-all) |");
    const links = [...md.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links).toHaveLength(6);
    for (const anchor of links) expect(md.split(`<a name="${anchor}"></a>`)).toHaveLength(2);
    expect(md).toContain("- **unexpected**: `` federation/join::joins ``: `` expected HTTP 200, got 500 <federation/join::joins> ``");
  });

  test("shards of one deployment share a column; two runs of one deployment with the same test are refused", () => {
    const one = run("synapse", null, "sqlite", [["client/login::logs in", "pass"]]);
    const two = run("synapse", null, "sqlite", [["client/sync::syncs", "unexpected"]]);
    const merged = buildMatrix([{ source: "a", results: one }, { source: "b", results: two }]);
    expect(merged.columns.map((c) => c.sources)).toEqual([["a", "b"]]);
    expect(merged.rows.find((r) => r.label === "client")!.cells[0]).toMatchObject({ passed: 1, unexpectedFailures: 1 });
    expect(() => buildMatrix([{ source: "a", results: one }, { source: "c", results: one }])).toThrow("c and a both ran client/login::logs in on synapse · sqlite: give one run per deployment, or merge its shards with `gauntlet merge` first");
  });

  test("writes matrix.html and matrix.md; a file that is not a results.json is a usage error", () => {
    const dir = mkdtempSync(join(tmpdir(), "gauntlet-matrix-"));
    writeFileSync(join(dir, "sqlite.json"), JSON.stringify(sqlite));
    writeFileSync(join(dir, "pair.json"), JSON.stringify(pair));
    const { paths } = writeMatrix([join(dir, "sqlite.json"), join(dir, "pair.json")], join(dir, "out"), {});
    expect(readFileSync(paths.html!, "utf8")).toContain("<th scope=\"col\">synapse ↔ dendrite · postgres");
    expect(readFileSync(paths.markdown!, "utf8")).toContain("## Gauntlet compliance matrix");
    writeFileSync(join(dir, "junk.json"), "{}");
    const refused = (() => {
      try {
        writeMatrix([join(dir, "junk.json")], join(dir, "out"), {});
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).exitCode).toBe(2);
    expect((refused as UserError).message).toBe(`${join(dir, "junk.json")}: not a results.json of gauntlet run`);
  });
});

describe("gauntlet matrix", () => {
  const NODE = join(process.cwd(), "node_modules", ".bin", "node");
  const CLI = join(process.cwd(), "src", "cli", "main.ts");
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(NODE, [CLI, "matrix", ...args], { timeout: 60_000, env: { ...process.env, GITHUB_STEP_SUMMARY: "" } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  test("prints the deployments and where the page and table are; exit 2 with the reason for a file that is not a run's results", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gauntlet-matrix-cli-"));
    mkdirSync(join(dir, "sqlite"));
    writeFileSync(join(dir, "sqlite", "results.json"), JSON.stringify(sqlite));
    writeFileSync(join(dir, "pair.json"), JSON.stringify(pair));
    const ok = await cli([join(dir, "sqlite"), join(dir, "pair.json"), "--out", join(dir, "out")]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("2 deployment(s): synapse · sqlite; synapse ↔ dendrite · postgres");
    expect(ok.stdout).toContain(`html      ${join(dir, "out", "matrix.html")}`);
    expect(ok.stdout).toContain(`markdown  ${join(dir, "out", "matrix.md")}`);
    const bad = await cli([join(dir, "missing.json")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`gauntlet: ${join(dir, "missing.json")}: expected a results.json written by gauntlet run (ENOENT`);
  });
});
