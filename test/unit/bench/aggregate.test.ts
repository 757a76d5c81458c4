import { describe, expect, test } from "vitest";
import { compare, ratio, scenarioQuantities, spread } from "../../../src/bench/aggregate.ts";
import { matchMetrics, scenarioSettings, benchScenario } from "../../../src/bench/bench-scenarios.ts";
import { achievedRate } from "../../../src/bench/run-bench.ts";
import { renderRatioTable } from "../../../src/bench/ratio-table.ts";
import { craftedResults, craftedRun } from "./crafted-results.ts";

describe("spread", () => {
  test("mean, extremes and sample standard deviation of known values", () => {
    const s = spread([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s).toMatchObject({ n: 8, mean: 5, min: 2, max: 9 });
    // Sample variance: sum of squares 32 over n - 1 = 7.
    expect(s!.stddev).toBeCloseTo(Math.sqrt(32 / 7), 10);
  });

  test("missing values are left out, a single value has no deviation, none at all has no spread", () => {
    expect(spread([null, 3, null])).toEqual({ n: 1, mean: 3, min: 3, max: 3, stddev: 0 });
    expect(spread([null, null])).toBeNull();
  });
});

describe("ratio", () => {
  test("ratio of means, with the range of repeat-by-repeat ratios", () => {
    const r = ratio([20, 30, 40], [10, 10, 40]);
    expect(r!.value).toBeCloseTo(90 / 60, 10);
    expect(r).toMatchObject({ min: 1, max: 3, pairs: 3 });
  });

  test("repeats missing on either side are not paired", () => {
    expect(ratio([20, null, 40], [10, 10, null])).toMatchObject({ min: 2, max: 2, pairs: 1 });
  });

  test("no ratio over a zero or missing denominator", () => {
    expect(ratio([1, 2], [0, 0])).toBeNull();
    expect(ratio([1, 2], [null, null])).toBeNull();
  });
});

describe("scenario quantities", () => {
  const results = craftedResults([
    craftedRun("sqlite", 1, { med: 10, p95: 20, p99: 30, max: 40 }),
    craftedRun("postgres", 1, { med: 15, p95: 40, p99: 60, max: 80 }),
    craftedRun("sqlite", 2, { med: 20, p95: 20, p99: 30, max: 40 }),
    craftedRun("postgres", 2, { med: 20, p95: 40, p99: 60, max: 80 }),
  ]);

  test("headline percentiles take each repeat's value in repeat order", () => {
    const p50 = scenarioQuantities(results, "send-throughput").find((q) => q.key === "send_latency:p50");
    expect(p50?.values).toEqual({ sqlite: [10, 20], postgres: [15, 20] });
    expect(p50?.unit).toBe("ms");
  });

  test("PostgreSQL over SQLite for latency, CPU summed over containers and database size", () => {
    const rows = compare(results);
    const byKey = (key: string) => rows.find((r) => r.quantity.key === key)!;
    expect(byKey("send_latency:p95").ratio).toMatchObject({ value: 2, min: 2, max: 2, pairs: 2 });
    expect(byKey("send_latency:p50").ratio!.value).toBeCloseTo(35 / 30, 10);
    expect(byKey("send_latency:p50").ratio).toMatchObject({ min: 1, max: 1.5 });
    // hs1 40% + postgres 10% against hs1 40%.
    expect(byKey("resources:cpu_total_mean").ratio!.value).toBeCloseTo(50 / 40, 10);
    expect(byKey("resources:cpu_postgres_mean").spreads.sqlite).toBeNull();
    expect(byKey("resources:cpu_postgres_mean").ratio).toBeNull();
    expect(byKey("storage:database_bytes").ratio!.value).toBe(2);
    expect(byKey("throughput:achieved").quantity.lowerIsBetter).toBe(false);
  });

  test("the terminal table lists every quantity with the ratio, its 95% interval and a verdict", () => {
    const table = renderRatioTable(results);
    expect(table).toContain("send-throughput");
    // Two repeats a side give an interval but no verdict.
    expect(table).toMatch(/send_latency p95\s+20\.0 ms ±0\.0 ms\s+40\.0 ms ±0\.0 ms\s+2\.00× \[2\.00–2\.00\] too few repeats/);
    expect(table).toMatch(/send_latency p50 .* 1\.17× \[[\d.]+–[\d.]+\] too few repeats/);
    // 390 samples cannot support a p99: no number, the sample count instead.
    // Each column counts its own runs.
    expect(table).toMatch(/send_latency p99\s+n\/a in 2 run\(s\): 390 samples\s+n\/a in 2 run\(s\): 390 samples/);
    expect(table).toContain("database size after the run");
    expect(table).toContain("send-throughput: PostgreSQL: send_latency p50: too few repeats to judge (2)");
  });
});

describe("percentiles the samples do not support", () => {
  // 20 samples support a p50 (10 beyond it), 17 do not.
  const results = craftedResults([
    craftedRun("sqlite", 1, { med: 10, p95: 20, p99: 30, max: 40, count: 20 }),
    craftedRun("postgres", 1, { med: 15, p95: 40, p99: 60, max: 80, count: 17 }),
    craftedRun("sqlite", 2, { med: 12, p95: 20, p99: 30, max: 40, count: 20 }),
    craftedRun("postgres", 2, { med: 16, p95: 40, p99: 60, max: 80, count: 18 }),
  ]);

  test("each side's column names its own runs and fewest samples; the quantity's note counts both", () => {
    const p50 = scenarioQuantities(results, "send-throughput").find((q) => q.key === "send_latency:p50")!;
    expect(p50.values).toEqual({ sqlite: [10, 12], postgres: [null, null] });
    expect(p50.notes).toEqual({ postgres: "n/a in 2 run(s): 17 samples" });
    const p95 = scenarioQuantities(results, "send-throughput").find((q) => q.key === "send_latency:p95")!;
    expect(p95.notes).toEqual({ sqlite: "n/a in 2 run(s): 20 samples", postgres: "n/a in 2 run(s): 17 samples" });
    expect(p95.note).toBe("n/a in 4 run(s): 17 samples");
    expect(renderRatioTable(results)).toMatch(/send_latency p95\s+n\/a in 2 run\(s\): 20 samples\s+n\/a in 2 run\(s\): 17 samples/);
  });
});

describe("bench scenarios", () => {
  test("a /regex/ headline selects matching metrics in numeric order, not submetrics", () => {
    const names = ["incremental_sync_after_4s", "incremental_sync_after_0_25s", "incremental_sync_after_1s", "incremental_sync_after_1s{scenario:sync}", "http_reqs"];
    expect(matchMetrics("/^incremental_sync_after_/", names)).toEqual(["incremental_sync_after_0_25s", "incremental_sync_after_1s", "incremental_sync_after_4s"]);
    expect(matchMetrics("http_reqs", names)).toEqual(["http_reqs"]);
    expect(matchMetrics("send_latency", names)).toEqual([]);
  });

  test("open-model scenarios get the rate and duration, fixed-work ones neither", () => {
    const delivery = scenarioSettings(benchScenario("delivery-latency")!, { duration: "15s", rate: 4, seed: 9 });
    expect(delivery.env).toMatchObject({ GAUNTLET_RATE: "4", GAUNTLET_DURATION: "15s", GAUNTLET_SEED: "9" });
    expect(delivery.offeredRate).toBe(4);
    const roomOps = scenarioSettings(benchScenario("room-ops")!, { duration: "15s", rate: 4, seed: 9 });
    expect(roomOps.env.GAUNTLET_RATE).toBeUndefined();
    expect(roomOps.env.GAUNTLET_DURATION).toBeUndefined();
    expect(roomOps.offeredRate).toBeNull();
  });

  test("achieved rate counts the throughput metric's samples over the measured duration", () => {
    const metrics = { incremental_sync_after_1s: { count: 30 }, incremental_sync_after_4s: { count: 10 }, other: { count: 99 } };
    expect(achievedRate(metrics, "/^incremental_sync_after_/", 20_000)).toBe(2);
    expect(achievedRate(metrics, "send_latency", 20_000)).toBeNull();
    expect(achievedRate(metrics, null, 20_000)).toBeNull();
  });
});
