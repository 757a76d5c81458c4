import type { ComparisonRow } from "./aggregate.ts";
import type { BenchResults } from "./results.ts";
import { sideName } from "./sides.ts";

// Plain verdicts for the top of a bench report: per scenario, what its headline quantities say
// of one side against the other at 95% confidence, and the noise that weakens them.

// Above this share of CPU time taken by the hypervisor, a run measured its neighbours too.
const STEAL_NOISE_PERCENT = 5;
// Above this share of what the load generator can use, its own delays reach the latencies: one
// core for the node engine (its VUs share one event loop), every core for k6.
const GENERATOR_NOISE_SHARE = 0.8;

/** `initial_sync_duration_10_rooms p50 1.4× slower (1.2–1.6)`, or `… no difference`. */
export function phraseRow(row: ComparisonRow): string {
  const r = row.ratioInterval;
  const what = row.quantity.label;
  if (!r) return row.quantity.note ? `${what}: ${row.quantity.note}` : `${what}: not measured on both sides`;
  if (row.verdict === "too few repeats") return `${what}: too few repeats to judge (${r.n})`;
  if (row.verdict === "no difference") return `${what}: no difference (${r.estimate.toFixed(2)}×, ${r.low.toFixed(2)}–${r.high.toFixed(2)})`;
  // A response size rides with the latencies of its scenario, but is larger or smaller, not slower.
  const [more, less] = row.quantity.unit === "bytes" ? ["larger", "smaller"] : row.quantity.group === "latency" ? ["slower", "faster"] : row.quantity.group === "throughput" ? ["higher", "lower"] : ["more", "less"];
  // Above 1 the numerator measured more; below 1, say how many times less, as people read it.
  const above = r.estimate >= 1;
  const factor = (x: number) => (above ? x : 1 / x).toFixed(2);
  const [low, high] = above ? [r.low, r.high] : [r.high, r.low];
  return `${what} ${factor(r.estimate)}× ${above ? more : less} (${factor(low)}–${factor(high)})`;
}

/**
 * The rows a scenario's verdict speaks of: each headline metric's p50 and p95, and the achieved
 * rate. A metric with too few samples per run for either percentile (initial sync gives three)
 * is judged by its maximum, the one statistic those runs support.
 */
export function headlineRows(rows: ComparisonRow[]): ComparisonRow[] {
  const picked: ComparisonRow[] = [];
  const latency = rows.filter((row) => row.quantity.group === "latency");
  const metrics = [...new Set(latency.map((row) => row.quantity.key.slice(0, row.quantity.key.lastIndexOf(":"))))];
  for (const metric of metrics) {
    const stat = (label: string) => latency.find((row) => row.quantity.key === `${metric}:${label}`);
    const percentiles = [stat("p50"), stat("p95")].filter((row): row is ComparisonRow => row !== undefined);
    const max = stat("max");
    const unsupported = percentiles.every((row) => !row.ratioInterval && row.quantity.note);
    picked.push(...(unsupported && max?.ratioInterval ? [max] : percentiles));
  }
  return [...picked, ...rows.filter((row) => row.quantity.key === "throughput:achieved")];
}

/** Noise the results themselves show: a busy machine during the runs, repeats that disagree. */
export function noiseOf(results: BenchResults, scenario: string, rows: ComparisonRow[]): string[] {
  const notes: string[] = [];
  const runs = results.runs.filter((r) => r.scenario === scenario);
  const cores = results.provenance.machine.cores;
  const busiest = Math.max(0, ...runs.map((r) => r.loadAverage1m));
  if (busiest > cores) notes.push(`load average up to ${busiest} on ${cores} cores during its runs`);
  const steal = Math.max(0, ...runs.map((r) => r.stealPercent ?? 0));
  if (steal > STEAL_NOISE_PERCENT) notes.push(`CPU steal up to ${steal}% during its runs: the hypervisor gave this machine's CPUs to others`);
  const generator = Math.max(0, ...runs.map((r) => r.generatorCpuPercent ?? 0));
  const generatorCores = results.provenance.engine.name === "node" ? 1 : cores;
  if (generator > GENERATOR_NOISE_SHARE * 100 * generatorCores) {
    notes.push(`the load generator used up to ${generator}% of a core during its runs (${generatorCores === 1 ? "its VUs share one event loop" : `${generatorCores} cores`}): its own delays are in the latencies`);
  }
  const spread = rows.flatMap((row) =>
    Object.entries(row.spreads).filter(([, s]) => s && s.n > 1 && s.mean !== 0 && s.stddev / Math.abs(s.mean) > 0.25).map(([side]) => `${row.quantity.label} on ${sideName(side)}`),
  );
  if (spread.length > 0) notes.push(`repeats vary by more than 25% (${spread.slice(0, 3).join(", ")}${spread.length > 3 ? ", …" : ""})`);
  return notes;
}

/**
 * One line per scenario and pair: `PostgreSQL: initial sync p50 1.40× slower (1.21–1.62), …`, or
 * with several implementations `Dendrite on SQLite against Synapse on SQLite: …`.
 */
export function scenarioVerdict(results: BenchResults, scenario: string, rows: ComparisonRow[], numerator: string, denominator = "sqlite"): { sentence: string; noise: string[] } {
  const headline = headlineRows(rows);
  const who = numerator.includes("-") || denominator.includes("-") ? `${sideName(numerator)} against ${sideName(denominator)}` : sideName(numerator);
  const sentence = `${who}: ${headline.length > 0 ? headline.map(phraseRow).join("; ") : "nothing to compare"}`;
  return { sentence, noise: noiseOf(results, scenario, headline) };
}
