// The embedded engine beside a real k6 on every bench scenario, against one Synapse: headline
// throughput and p50/p95/p99 of each engine, and their ratio. Runs where a k6 binary is present
// (K6_BIN or PATH); the order is k6, node, node, k6 per scenario, so drift touches both alike.
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_SCENARIOS, matchMetrics, scenarioSettings } from "../src/bench/bench-scenarios.ts";
import { achievedRate, BENCH_TREND_STATS } from "../src/bench/run-bench.ts";
import { startEnvironment } from "../src/env/environment.ts";
import { findK6Binary, k6BinaryEngine } from "../src/load/engines/k6-binary.ts";
import type { LoadEngine } from "../src/load/engines/load-engine.ts";
import { nodeEngine } from "../src/load/engines/node-engine.ts";
import { parseDuration } from "../src/load/options/duration.ts";
import type { SummaryExport } from "../src/load/summary/summary-export.ts";
import { percentileSupported } from "../src/load/metrics/percentiles.ts";

const DURATION = process.env.GAUNTLET_FIDELITY_DURATION ?? "15s";
// The scale scenarios read a workload that only `gauntlet bench --scale` seeds: name them to include them.
const SCENARIOS = (process.env.GAUNTLET_FIDELITY_SCENARIOS ?? BENCH_SCENARIOS.filter((s) => !s.seededWorkload).map((s) => s.name).join(",")).split(",");
const STATS: [string, number][] = [["med", 0.5], ["p(95)", 0.95], ["p(99)", 0.99]];

const k6Path = findK6Binary();
if (!k6Path) {
  console.error("bench:fidelity needs a k6 binary (K6_BIN or k6 on PATH) to compare the embedded engine with");
  process.exit(2);
}
const engines: Record<"k6" | "node", LoadEngine> = { k6: await k6BinaryEngine(k6Path), node: nodeEngine };
console.log(`engines: ${engines.k6.description} and ${engines.node.description}; ${DURATION} per run; load average ${loadavg()[0]!.toFixed(1)}`);

const scratch = await mkdtemp(join(tmpdir(), "gauntlet-fidelity-"));
const environment = await startEnvironment({ servers: 1, database: "sqlite", harnessServices: false, progress: (line) => console.error(line) });
const rows: string[][] = [];
let within = 0;
let compared = 0;
try {
  const baseUrl = environment.homeserver("hs1").baseUrl;
  for (const name of SCENARIOS) {
    const scenario = BENCH_SCENARIOS.find((s) => s.name === name);
    if (!scenario) throw new Error(`no bench scenario ${name}`);
    const settings = scenarioSettings(scenario, { duration: DURATION, seed: 1 });
    const scriptPath = fileURLToPath(new URL(`../scenarios/${name}.ts`, import.meta.url));
    const runs: Record<"k6" | "node", SummaryExport["metrics"][]> = { k6: [], node: [] };
    for (const which of ["k6", "node", "node", "k6"] as const) {
      const summaryExportPath = join(scratch, `${name}-${which}-${runs[which].length}.json`);
      const result = await engines[which].run({
        scriptPath,
        env: { ...settings.env, GAUNTLET_BASE_URL: baseUrl },
        summaryExportPath,
        summaryTrendStats: BENCH_TREND_STATS,
        quiet: true,
      });
      // Failed thresholds (99) still measured everything; any other failure did not, and the scenario is left out.
      if ((result.exitCode !== 0 && result.exitCode !== 99) || !result.summary) {
        rows.push([name, `${which} failed (exit code ${result.exitCode})`, "", "", "", "", "left out"]);
        break;
      }
      runs[which].push(result.summary.metrics);
      console.error(`${name}: ${which} run ${runs[which].length} done (exit code ${result.exitCode})`);
    }
    if (runs.k6.length < 2 || runs.node.length < 2) continue;
    const mean = (which: "k6" | "node", pick: (m: SummaryExport["metrics"]) => number | null) => {
      const values = runs[which].map(pick).filter((v): v is number => v !== null && Number.isFinite(v));
      return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
    };
    const row = (what: string, k6: number | null, node: number | null, note = "") => {
      const ratio = k6 && node !== null ? node / k6 : null;
      // A percentile its samples do not support is shown but not judged.
      if (ratio !== null && !note.startsWith("n/a")) {
        compared++;
        if (Math.abs(ratio - 1) <= 0.1) within++;
      }
      rows.push([name, what, k6?.toFixed(2) ?? "n/a", node?.toFixed(2) ?? "n/a", ratio?.toFixed(3) ?? "n/a", ratio === null ? "" : Math.abs(ratio - 1) <= 0.1 ? "yes" : "NO", note]);
    };
    const durationMs = settings.duration ? parseDuration(settings.duration) : null;
    if (settings.throughputMetric && durationMs) {
      row("throughput /s", mean("k6", (m) => achievedRate(m, settings.throughputMetric, durationMs)), mean("node", (m) => achievedRate(m, settings.throughputMetric, durationMs)));
    }
    const names = Object.keys(runs.k6[0] ?? {});
    for (const entry of settings.headline) {
      for (const metric of matchMetrics(entry, names)) {
        const samples = Math.min(...[...runs.k6, ...runs.node].map((m) => Number(m[metric]?.count ?? 0)));
        for (const [stat, quantile] of STATS) {
          const supported = percentileSupported(quantile, samples);
          row(`${metric} ${stat} ms`, mean("k6", (m) => Number(m[metric]?.[stat])), mean("node", (m) => Number(m[metric]?.[stat])), supported ? `${samples} samples` : `n/a: ${samples} samples`);
        }
      }
    }
  }
} finally {
  await environment.stop();
  await rm(scratch, { recursive: true, force: true });
}

const header = ["scenario", "quantity", "k6", "node", "node/k6", "±10%", "note"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
console.log([header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ")).join("\n"));
console.log(`\n${within} of ${compared} quantities within 10% (mean of two runs per engine, k6-node-node-k6 order)`);
