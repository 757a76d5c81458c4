import { describe, expect, test } from "vitest";
import { chartData, renderBenchReport } from "../../../src/bench/report-html.ts";
import { parseBenchResults } from "../../../src/bench/results.ts";
import { craftedResults, craftedRun } from "./crafted-results.ts";

const results = craftedResults([
  craftedRun("sqlite", 1, { med: 10, p95: 20, p99: 30, max: 40 }),
  craftedRun("postgres", 1, { med: 15, p95: 40, p99: 60, max: 80 }),
  craftedRun("sqlite", 2, { med: 20, p95: 20, p99: 30, max: 40 }),
  craftedRun("postgres", 2, { med: 20, p95: 40, p99: 60, max: 80 }, { problems: ["teardown of run-postgres-2: <gone>"] }),
]);

describe("bench HTML report", () => {
  const html = renderBenchReport(parseBenchResults(JSON.parse(JSON.stringify(results))));

  test("works offline: echarts is inlined and nothing is fetched", () => {
    expect(html).toContain("echarts.init");
    expect(html.length).toBeGreaterThan(1_000_000);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).not.toMatch(/url\(\s*["']?https?:/);
  });

  test("the numbers table carries each database's mean with spread and the ratio", () => {
    const row = /<tr data-key="send_latency:p95">(.*?)<\/tr>/.exec(html)?.[1];
    expect(row).toContain("20.0 ms");
    expect(row).toContain("40.0 ms");
    expect(row).toContain("2.00× [2.00–2.00] too few repeats");
    const p50 = /<tr data-key="send_latency:p50">(.*?)<\/tr>/.exec(html)?.[1];
    expect(p50).toContain("15.0 ms <span class=\"spread\">±7.1 ms (10.0 ms–20.0 ms)</span>");
  });

  test("a ratio is shaded, and the scenario's verdict says so, only where its 95% interval excludes 1", () => {
    // Four repeats a side: p95 is twice as slow on PostgreSQL every time, p50 overlaps.
    const repeats = [1, 2, 3, 4];
    const four = craftedResults(
      repeats.flatMap((repeat) => [
        craftedRun("sqlite", repeat, { med: 10 + repeat, p95: 20 + repeat, p99: 30, max: 40, count: 2000 }),
        craftedRun("postgres", repeat, { med: 14 - repeat, p95: 40 + repeat, p99: 60, max: 80, count: 2000 }),
      ]),
      4,
    );
    const page = renderBenchReport(four);
    const ratioCell = /<tr data-key="([^"]+)">.*?<td class="num ?([a-z]*)">[^<]*<\/td><\/tr>/g;
    const classes = Object.fromEntries([...page.matchAll(ratioCell)].map((m) => [m[1], m[2]]));
    expect(classes["send_latency:p95"]).toBe("worse");
    expect(classes["send_latency:p50"]).toBe("");
    expect(page).toMatch(/<p class="verdict">PostgreSQL: send_latency p50: no difference \([\d.]+×, [\d.]+–[\d.]+\); send_latency p95 1\.89× slower \([\d.]+–[\d.]+\)/);
  });

  test("provenance and run problems are shown, escaped", () => {
    expect(html).toContain("Synapse 1.99.0");
    expect(html).toContain("matrixdotorg/synapse@sha256:def");
    expect(html).toContain("18.1; shared_buffers=16384");
    expect(html).toContain("teardown of run-postgres-2: &lt;gone&gt;");
    expect(html).toContain("1 run(s) had problems");
  });

  test("the embedded chart data holds latency means, ratios with paired repeats and resource series", () => {
    const embedded = /<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(html)?.[1];
    expect(JSON.parse(embedded!)).toEqual(JSON.parse(JSON.stringify(chartData(results))));
    const scenario = chartData(results).scenarios[0]!;
    const latency = scenario.latency[0]!;
    expect(latency.categories.slice(0, 4)).toEqual(["send_latency p50", "send_latency p95", "send_latency p99", "send_latency max"]);
    // 390 samples support p50 and p95 but not p99 (10 samples beyond it would need 1,000).
    expect(latency.series.find((s) => s.database === "postgres")?.means.slice(0, 4)).toEqual([17.5, 40, null, 80]);
    const p50 = scenario.ratios.labels.indexOf("send_latency p50");
    expect(scenario.ratios.pairs.filter(([, index]) => index === p50).map(([value]) => value)).toEqual([1.5, 1]);
    expect(scenario.cpu.map((c) => c.name)).toEqual(["sqlite hs1", "postgres hs1"]);
    expect(scenario.cpu[0]!.points).toEqual([[0, 30], [1, 50]]);
  });

  test("a results file of another shape is refused with the field that is wrong", () => {
    expect(() => parseBenchResults({ ...results, runs: [{ scenario: "x" }] })).toThrow(/runs\.0\.database/);
  });
});
