import { describe, expect, test } from "vitest";
import { renderRatioTable } from "../../../src/bench/ratio-table.ts";
import { renderBenchReport } from "../../../src/bench/report-html.ts";
import { parseBenchResults, type BenchResults } from "../../../src/bench/results.ts";
import { craftedResults, craftedRun } from "./crafted-results.ts";

function roundTrip(results: BenchResults): BenchResults {
  return parseBenchResults(JSON.parse(JSON.stringify(results)));
}

describe("a bench of two implementations on two databases", () => {
  const sides = ["synapse-sqlite", "synapse-postgres", "dendrite-sqlite", "dendrite-postgres"];
  const latency = { "synapse-sqlite": 10, "synapse-postgres": 12, "dendrite-sqlite": 30, "dendrite-postgres": 31 } as Record<string, number>;
  const runs = sides.flatMap((side) => [1, 2, 3].map((repeat) => craftedRun(side, repeat, { med: latency[side]! + repeat * 0.1, p95: 2 * latency[side]!, p99: 3 * latency[side]!, max: 100, count: 20_000 })));
  const base = craftedResults(runs, 3);
  const results = roundTrip({ ...base, settings: { ...base.settings, databases: sides, implementations: ["synapse", "dendrite"] } });

  test("the table has a column per side and a ratio per pair, and a verdict line per pair", () => {
    const table = renderRatioTable(results);
    for (const header of [...sides.map((s) => `${s} (mean ±sd)`), "synapse-postgres/synapse-sqlite", "dendrite-sqlite/synapse-sqlite", "dendrite-postgres/synapse-postgres"]) expect(table).toContain(header);
    expect(table).toMatch(/send-throughput: Dendrite on SQLite against Synapse on SQLite: send_latency p50 [\d.]+× slower/);
    expect(table).toMatch(/send-throughput: Synapse on PostgreSQL against Synapse on SQLite: send_latency p50 1\.\d+× slower/);
  });

  test("the HTML draws each side's spectrum with its colour, and steal above 5% is flagged as noise", () => {
    const noisy = roundTrip({ ...results, runs: results.runs.map((r, i) => (i === 0 ? { ...r, stealPercent: 12.5 } : r)) });
    const html = renderBenchReport(noisy);
    const series = [...html.matchAll(/<polyline data-series="([^"]+)"/g)].map((m) => m[1]);
    expect(series.slice(0, 4)).toEqual(sides);
    expect(html).toContain("noise: CPU steal up to 12.5% during its runs");
    expect(html).toContain("<th>CPU steal</th>");
  });

  test("a node engine above 80% of its one core is flagged as noise; k6 only above 80% of every core", () => {
    const withGenerator = (percent: number, engine: string): BenchResults =>
      roundTrip({
        ...results,
        provenance: { ...results.provenance, engine: { name: engine, description: engine } },
        runs: results.runs.map((r, i) => ({ ...r, generatorCpuPercent: i === 0 ? percent : 20 })),
      });
    const flag = /noise: the load generator used up to ([\d.]+)% of a core during its runs/;
    const busyNode = renderBenchReport(withGenerator(93.5, "node"));
    expect(busyNode).toMatch(flag);
    expect(busyNode.match(flag)![1]).toBe("93.5");
    expect(busyNode).toContain("<th>generator CPU</th>");
    expect(busyNode).toContain('<td class="num">93.5%</td>');
    expect(renderBenchReport(withGenerator(75, "node"))).not.toMatch(flag);
    // The crafted machine has 2 cores: k6 may use both.
    expect(renderBenchReport(withGenerator(93.5, "k6"))).not.toMatch(flag);
    expect(renderBenchReport(withGenerator(170, "k6"))).toMatch(flag);
  });
});

describe("a capacity search's report", () => {
  test("shows the capacity per side and the step table, and no repeat comparison", () => {
    const base = craftedResults([craftedRun("sqlite", 1, { med: 10, p95: 20, p99: 30, max: 40 })], 1);
    const steps = [
      { rate: 2, phase: "ramp" as const, latencyMs: 40, samples: 40, achievedRate: 2, droppedIterations: 0, failedPercent: 0, withinSlo: true, note: "p99 from 40 samples: fewer than 10 lie beyond it" },
      { rate: 4, phase: "ramp" as const, latencyMs: 900, samples: 80, achievedRate: 4, droppedIterations: 0, failedPercent: 0, withinSlo: false, note: "p99 900 ms over 500 ms" },
      { rate: 3, phase: "bisect" as const, latencyMs: 300, samples: 60, achievedRate: 3, droppedIterations: 0, failedPercent: 0, withinSlo: true, note: "" },
    ];
    const results = roundTrip({
      ...base,
      settings: { ...base.settings, databases: ["sqlite"], capacity: { slo: "p99<500ms", startRate: 2, maxRate: 200, growth: 2, maxSteps: 8, precision: 0.15, budgetMs: 300_000 } },
      capacity: { "send-throughput": { sqlite: { slo: "p99<500ms", capacity: 3, failedAt: 4, steps, stopped: "holding and failing rates within 15% of each other" } } },
    });
    const html = renderBenchReport(results);
    expect(html).toContain('<p class="verdict">SQLite: 3/s holds p99&lt;500ms, 4/s does not</p>');
    expect([...html.matchAll(/<tr class="(holds|fails)">/g)].map((m) => m[1])).toEqual(["holds", "fails", "holds"]);
    expect(html).not.toContain('data-key="send_latency:p99"');
    expect(renderRatioTable(results)).toMatch(/send-throughput on SQLite: 3\/s holds p99<500ms, 4\/s does not \(holding and failing rates within 15% of each other\)\n\s+step\s+p99\s+samples/);
  });
});
