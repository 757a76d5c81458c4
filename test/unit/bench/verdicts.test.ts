import { describe, expect, test } from "vitest";
import { compare } from "../../../src/bench/aggregate.ts";
import { headlineRows, phraseRow, scenarioVerdict } from "../../../src/bench/verdicts.ts";
import { craftedResults, craftedRun } from "./crafted-results.ts";

// Three repeats a side: a verdict at 95% confidence needs them.
function results(count: number) {
  const sqlite = [100, 110, 105];
  const postgres = [200, 210, 190];
  return craftedResults(
    [
      ...sqlite.map((ms, i) => craftedRun("sqlite", i + 1, { med: ms / 2, p95: ms * 0.9, p99: ms * 0.95, max: ms, count })),
      ...postgres.map((ms, i) => craftedRun("postgres", i + 1, { med: ms / 2, p95: ms * 0.9, p99: ms * 0.95, max: ms, count })),
    ],
    3,
  );
}

describe("a scenario's plain verdict", () => {
  test("speaks of p50 and p95 where the runs have the samples for them", () => {
    const crafted = results(390);
    const rows = compare(crafted, "postgres", "sqlite");
    expect(headlineRows(rows).map((row) => row.quantity.key)).toEqual(["send_latency:p50", "send_latency:p95", "throughput:achieved"]);
    expect(scenarioVerdict(crafted, "send-throughput", rows, "postgres").sentence).toMatch(/^PostgreSQL: send_latency p50 1\.90× slower \([\d.]+–[\d.]+\); send_latency p95 1\.90× slower/);
  });

  test("judges a metric by its maximum when each run has too few samples for p50 and p95", () => {
    const crafted = results(3);
    const rows = compare(crafted, "postgres", "sqlite");
    expect(headlineRows(rows).map((row) => row.quantity.key)).toEqual(["send_latency:max", "throughput:achieved"]);
    expect(scenarioVerdict(crafted, "send-throughput", rows, "postgres").sentence).toMatch(/^PostgreSQL: send_latency max 1\.90× slower \(/);
  });

  test("a percentile left out for its sample count says so instead of 'not measured'", () => {
    const crafted = results(3);
    const p50 = compare(crafted, "postgres", "sqlite").find((row) => row.quantity.key === "send_latency:p50")!;
    const rows = compare(crafted, "postgres", "sqlite").filter((row) => row.quantity.key !== "send_latency:max");
    expect(p50.ratioInterval).toBeNull();
    expect(scenarioVerdict(crafted, "send-throughput", rows, "postgres").sentence).toContain("send_latency p50: n/a in 6 run(s): 3 samples");
  });

  test("a size is larger or smaller, not slower or faster", () => {
    const crafted = results(390);
    const max = compare(crafted, "postgres", "sqlite").find((row) => row.quantity.key === "send_latency:max")!;
    expect(phraseRow(max)).toMatch(/^send_latency max 1\.90× slower/);
    expect(phraseRow({ ...max, quantity: { ...max.quantity, label: "initial_sync_bytes max", unit: "bytes" } })).toMatch(/^initial_sync_bytes max 1\.90× larger/);
  });
});
