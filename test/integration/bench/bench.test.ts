import { existsSync } from "node:fs";
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

// One short scenario on both databases: enough to exercise environments, sampling, provenance,
// results.json and the report end to end; numbers from it mean nothing.
test("gauntlet bench on SQLite and PostgreSQL writes results with metrics and resources of both, a report and a ratio table", async () => {
  out = await mkdtemp(join(tmpdir(), "gauntlet-bench-it-"));
  const result = await runCli(
    ["bench", "--db", "sqlite,postgres", "--scenarios", "send-throughput", "--repeat", "1", "--duration", "5s", "--rate", "5", "--engine", "node", "--out", out],
    { timeoutMs: 400_000 },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toMatch(/\[1\/2\] send-throughput on sqlite, repeat 1\/1: starting the environment/);
  expect(result.stderr).toMatch(/\[2\/2\] send-throughput on postgres, repeat 1\/1: done in/);

  const results = parseBenchResults(JSON.parse(await readFile(join(out, "results.json"), "utf8")));
  expect(results.runs.map((r) => r.database)).toEqual(["sqlite", "postgres"]);
  for (const run of results.runs) {
    expect(run.problems, run.database).toEqual([]);
    expect(run.metrics.send_latency?.count, run.database).toBeGreaterThan(0);
    expect(run.metrics.send_latency?.["p(99)"], run.database).toBeGreaterThan(0);
    expect(run.offeredRate).toBe(5);
    expect(run.achievedRate, run.database).toBeGreaterThan(0);
    expect(run.databaseBytes.hs1, run.database).toBeGreaterThan(0);
    const hs1 = run.resources.find((r) => r.role === "hs1");
    expect(hs1?.samples, run.database).toBeGreaterThan(0);
    expect(hs1?.memoryBytesMax, run.database).toBeGreaterThan(0);
    expect(await leftovers(run.runId, [])).toEqual(nothingLeft);
  }
  const postgresRun = results.runs.find((r) => r.database === "postgres")!;
  expect(postgresRun.resources.find((r) => r.role === "postgres")?.samples).toBeGreaterThan(0);
  expect(results.provenance.databases.postgres?.postgres?.version).toMatch(/^\d+/);
  expect(results.provenance.databases.sqlite?.homeserver.version).toMatch(/^Synapse \d/);
  expect(results.provenance.databases.sqlite?.images[0]?.id).toMatch(/^sha256:/);
  expect(existsSync(join(out, "summaries", "send-throughput-postgres-1.json"))).toBe(true);

  const html = await readFile(join(out, "report.html"), "utf8");
  expect(html).toContain('data-key="send_latency:p99"');
  expect(html).toContain(postgresRun.runId);
  expect(html).toContain(results.provenance.databases.postgres!.postgres!.version!);
  expect(result.stdout).toMatch(/send_latency p50 .*×/);
  // A few seconds at 5/s give a few dozen samples: too few for a p95, which shows its sample count instead.
  expect(result.stdout).toMatch(/send_latency p95\s+n\/a in \d run\(s\): \d+ samples/);
  expect(result.stdout).toContain(join(out, "report.html"));
});
