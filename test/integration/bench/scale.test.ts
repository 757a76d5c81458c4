import { readdirSync } from "node:fs";
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

const workloadFiles = () => readdirSync(tmpdir()).filter((name) => name.startsWith("gauntlet-workload-"));

// A tiny seeded workload on Synapse with SQLite, then a two-step capacity search on it: seeding,
// the scale scenarios reading the workload, the step table and the report, end to end.
test("gauntlet bench --scale seeds Synapse, every scale scenario sees the planned rooms and history, and --slo records its steps", async () => {
  out = await mkdtemp(join(tmpdir(), "gauntlet-bench-scale-it-"));
  const before = workloadFiles();
  const result = await runCli(
    ["bench", "--db", "sqlite", "--scale", "rooms=4,members=3,timeline=120", "--seed", "9", "--scenarios", "scale-initial-sync,scale-messages",
      "--slo", "p99<2s", "--capacity-start", "2", "--capacity-max", "8", "--capacity-steps", "2", "--duration", "3s", "--engine", "node", "--out", out],
    { timeoutMs: 300_000 },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toMatch(/seeding rooms=4,members=3,timeline=120 seed 9: \d+\/\d+ requests/);

  const results = parseBenchResults(JSON.parse(await readFile(join(out, "results.json"), "utf8")));
  expect(results.settings.scale).toEqual({ rooms: 4, members: 3, timeline: 120 });
  expect(results.settings.seed).toBe(9);
  expect(results.seeding?.sqlite).toHaveLength(1);
  for (const run of results.runs) {
    expect(run.problems, `${run.scenario} at ${run.offeredRate}/s`).toEqual([]);
    // Every check held: the initial sync listed all 4 rooms, every page of history had events.
    expect(run.metrics.checks?.fails, `${run.scenario} at ${run.offeredRate}/s`).toBe(0);
    expect(run.stealPercent).toBeGreaterThanOrEqual(0);
  }
  const initial = results.runs.filter((r) => r.scenario === "scale-initial-sync");
  expect(initial.map((r) => r.offeredRate)).toEqual([2, 4]);
  expect(initial[0]!.metrics.scale_initial_sync?.count).toBeGreaterThan(0);
  const pages = results.runs.find((r) => r.scenario === "scale-messages")!;
  expect(pages.metrics.scale_messages_page?.count).toBeGreaterThan(0);
  for (const scenario of ["scale-initial-sync", "scale-messages"]) {
    const record = results.capacity?.[scenario]?.sqlite;
    expect(record?.steps.map((s) => s.rate), scenario).toEqual([2, 4]);
    expect(record?.stopped).toBe("reached 2 steps");
  }
  expect(await leftovers(pages.runId, [])).toEqual(nothingLeft);
  // The workload file holds access tokens: it is gone with the environment.
  expect(workloadFiles()).toEqual(before);

  const html = await readFile(join(out, "report.html"), "utf8");
  expect(html).toContain("scale-initial-sync: capacity");
  expect(html).toContain("rooms=4,members=3,timeline=120");
  expect(result.stdout).toMatch(/scale-messages on SQLite: (4\/s|2\/s|no rate tried held)/);
});
