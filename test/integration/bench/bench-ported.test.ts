import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { parseBenchResults } from "../../../src/bench/results.ts";
import { runCli } from "../env/cli.ts";
import { leftovers, nothingLeft } from "../env/leftovers.ts";

let out = "";
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

// A tiny seeded workload, ported once: the PostgreSQL side can only read the seeded timeline
// (with the seeded users' tokens) if it really is the copy of the SQLite side.
test("gauntlet bench --ported measures the seeded SQLite deployment and its synapse_port_db copy in one environment, without failed requests on either", async () => {
  out = await mkdtemp(join(tmpdir(), "gauntlet-bench-ported-it-"));
  const result = await runCli(
    ["bench", "--ported", "--scale", "rooms=2,members=3,timeline=30", "--scenarios", "scale-messages", "--repeat", "1", "--duration", "3s", "--engine", "node", "--out", out],
    { timeoutMs: 600_000 },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toMatch(/porting with synapse_port_db/);
  const results = parseBenchResults(JSON.parse(await readFile(join(out, "results.json"), "utf8")));
  expect(results.settings.ported).toBe(true);
  expect(results.porting).toHaveLength(1);
  expect(results.runs.map((r) => r.database)).toEqual(["sqlite", "postgres"]);
  const [sqlite, postgres] = results.runs;
  expect(postgres!.runId).toBe(sqlite!.runId);
  for (const run of results.runs) {
    expect(run.problems, run.database).toEqual([]);
    expect(run.metrics.scale_messages_page?.count, run.database).toBeGreaterThan(0);
    expect(run.metrics.http_req_failed?.passes, run.database).toBe(0);
  }
  // The environment's own database measurement sees SQLite only; the copy gets none rather than SQLite's.
  expect(sqlite!.databaseBytes.hs1).toBeGreaterThan(0);
  expect(postgres!.databaseBytes).toEqual({});
  expect(await leftovers(sqlite!.runId, [])).toEqual(nothingLeft);
  expect(await readFile(join(out, "report.html"), "utf8")).toContain("ported after seeding");
});
