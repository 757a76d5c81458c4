import { percentileSupported } from "../load/metrics/percentiles.ts";
import { matchMetrics } from "./bench-scenarios.ts";
import { meanInterval, ratioInterval, verdictOf, type Interval, type Verdict } from "./statistics.ts";
import type { BenchResults, BenchRun } from "./results.ts";

// Pure arithmetic over results.json: which quantities a scenario has, their spread over
// repeats, and the ratio of one database to the other.

export type Unit = "ms" | "bytes" | "per_second" | "percent" | "count";

export interface Quantity {
  scenario: string;
  /** Stable id, e.g. "delivery_latency:p95" or "resources:cpu_total_mean". */
  key: string;
  label: string;
  /** "latency", "throughput", "resources", "storage", "errors": how the report groups it. */
  group: "latency" | "throughput" | "resources" | "storage" | "errors";
  unit: Unit;
  lowerIsBetter: boolean;
  /** Per database, one value per repeat (index = repeat - 1); null when that run lacks it. */
  values: Record<string, (number | null)[]>;
  /** Why values are missing although the runs measured something, e.g. "n/a: 30 samples" for a p99. */
  note?: string;
  /** The same, per database, for the columns of a report: only that side's runs counted. */
  notes?: Record<string, string>;
}

export interface Spread {
  n: number;
  mean: number;
  min: number;
  max: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  stddev: number;
}

export interface Ratio {
  /** mean(numerator) / mean(denominator). */
  value: number;
  /** Lowest and highest ratio of the repeats paired by index (same seed, same position in the run order). */
  min: number;
  max: number;
  pairs: number;
}

export interface ComparisonRow {
  quantity: Quantity;
  spreads: Record<string, Spread | null>;
  /** Each side's mean with its bootstrap 95% interval over repeats. */
  intervals: Record<string, Interval | null>;
  ratio: Ratio | null;
  /** numerator/denominator with its bootstrap 95% interval. */
  ratioInterval: Interval | null;
  /** What the interval says of the numerator: better, worse, no difference, or too few repeats to say. */
  verdict: Verdict;
}

export function spread(values: readonly (number | null)[]): Spread | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.length > 1 ? xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { n: xs.length, mean, min: Math.min(...xs), max: Math.max(...xs), stddev: Math.sqrt(variance) };
}

export function ratio(numerator: readonly (number | null)[], denominator: readonly (number | null)[]): Ratio | null {
  const top = spread(numerator);
  const bottom = spread(denominator);
  if (!top || !bottom || bottom.mean === 0) return null;
  const paired: number[] = [];
  for (let i = 0; i < Math.min(numerator.length, denominator.length); i++) {
    const a = numerator[i];
    const b = denominator[i];
    if (a !== null && a !== undefined && b !== null && b !== undefined && b !== 0 && Number.isFinite(a) && Number.isFinite(b)) paired.push(a / b);
  }
  const value = top.mean / bottom.mean;
  return paired.length
    ? { value, min: Math.min(...paired), max: Math.max(...paired), pairs: paired.length }
    : { value, min: value, max: value, pairs: 0 };
}

const TREND_STATS: { stat: string; label: string; quantile?: number }[] = [
  { stat: "med", label: "p50", quantile: 0.5 },
  { stat: "p(95)", label: "p95", quantile: 0.95 },
  { stat: "p(99)", label: "p99", quantile: 0.99 },
  { stat: "max", label: "max" },
];

function numberAt(run: BenchRun, metric: string, field: string): number | null {
  const value = run.metrics[metric]?.[field];
  return typeof value === "number" ? value : null;
}

function sumOver(run: BenchRun, pick: (role: string) => boolean, field: "cpuPercentMean" | "memoryBytesMax"): number | null {
  const chosen = run.resources.filter((r) => pick(r.role) && r.samples > 0);
  return chosen.length ? chosen.reduce((a, r) => a + r[field], 0) : null;
}

/** What a report shows in `side`'s column instead of a value: why the runs gave none, if they say. */
export function missingNote(row: ComparisonRow, side: string): string | undefined {
  if (!row.quantity.note || row.spreads[side]) return undefined;
  return row.quantity.notes?.[side] ?? row.quantity.note;
}

/** "n/a in 3 run(s): 17 samples": how many runs could not support a percentile, and the fewest samples among them. */
function unsupportedNote(runs: BenchRun[], metric: string): string {
  return `n/a in ${runs.length} run(s): ${Math.min(...runs.map((r) => numberAt(r, metric, "count") ?? 0))} samples`;
}

function unsupportedNotes(runs: BenchRun[], metric: string, databases: readonly string[]): Record<string, string> {
  const notes: Record<string, string> = {};
  for (const db of databases) {
    const own = runs.filter((r) => r.database === db);
    if (own.length > 0) notes[db] = unsupportedNote(own, metric);
  }
  return notes;
}

/** Every quantity of one scenario, in report order, with its per-repeat values for each database. */
export function scenarioQuantities(results: BenchResults, scenario: string): Quantity[] {
  const runs = results.runs.filter((r) => r.scenario === scenario);
  const databases = results.settings.databases;
  const settings = results.scenarios[scenario];
  const quantities: Quantity[] = [];
  const collect = (pick: (run: BenchRun) => number | null): Record<string, (number | null)[]> => {
    const values: Record<string, (number | null)[]> = {};
    for (const db of databases) {
      const column: (number | null)[] = Array.from({ length: results.settings.repeat }, () => null);
      for (const run of runs.filter((r) => r.database === db)) column[run.repeat - 1] = pick(run);
      values[db] = column;
    }
    return values;
  };
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))];
  const headline = [...new Set((settings?.headline ?? []).flatMap((entry) => matchMetrics(entry, names)))];
  for (const metric of headline) {
    const unit: Unit = metric.includes("bytes") ? "bytes" : "ms";
    for (const { stat, label, quantile } of TREND_STATS) {
      // A percentile is only reported from runs with enough samples beyond it (terminal-summary.ts).
      const supported = (run: BenchRun) => quantile === undefined || percentileSupported(quantile, numberAt(run, metric, "count") ?? Number.POSITIVE_INFINITY);
      const unsupported = runs.filter((run) => metric in run.metrics && !supported(run));
      quantities.push({
        scenario,
        key: `${metric}:${label}`,
        label: `${metric} ${label}`,
        group: "latency",
        unit,
        lowerIsBetter: true,
        values: collect((run) => (supported(run) ? numberAt(run, metric, stat) : null)),
        ...(unsupported.length > 0 ? { note: unsupportedNote(unsupported, metric), notes: unsupportedNotes(unsupported, metric, databases) } : {}),
      });
    }
  }
  if (runs.some((r) => r.achievedRate !== null)) {
    quantities.push({
      scenario,
      key: "throughput:achieved",
      label: `achieved rate (${settings?.throughputMetric?.replace(/^\/\^?|\/$/g, "") ?? "iterations"})`,
      group: "throughput",
      unit: "per_second",
      lowerIsBetter: false,
      values: collect((run) => run.achievedRate),
    });
  }
  if (runs.some((r) => r.offeredRate !== null)) {
    quantities.push({
      scenario,
      key: "throughput:dropped",
      label: "dropped iterations",
      group: "throughput",
      unit: "count",
      lowerIsBetter: true,
      values: collect((run) => run.droppedIterations),
    });
  }
  quantities.push({
    scenario,
    key: "errors:http_req_failed",
    label: "failed requests",
    group: "errors",
    unit: "percent",
    lowerIsBetter: true,
    values: collect((run) => {
      const rate = numberAt(run, "http_req_failed", "value");
      return rate === null ? null : rate * 100;
    }),
  });
  const isHomeserver = (role: string) => role !== "postgres";
  const resourceQuantities: [string, string, (run: BenchRun) => number | null, Unit][] = [
    ["cpu_homeserver_mean", "CPU mean, homeserver", (run) => sumOver(run, isHomeserver, "cpuPercentMean"), "percent"],
    ["cpu_postgres_mean", "CPU mean, PostgreSQL", (run) => sumOver(run, (role) => role === "postgres", "cpuPercentMean"), "percent"],
    ["cpu_total_mean", "CPU mean, all containers", (run) => sumOver(run, () => true, "cpuPercentMean"), "percent"],
    ["memory_homeserver_max", "memory max, homeserver", (run) => sumOver(run, isHomeserver, "memoryBytesMax"), "bytes"],
    ["memory_total_max", "memory max, all containers", (run) => sumOver(run, () => true, "memoryBytesMax"), "bytes"],
  ];
  for (const [key, label, pick, unit] of resourceQuantities) {
    const values = collect(pick);
    if (Object.values(values).every((column) => column.every((v) => v === null))) continue;
    quantities.push({ scenario, key: `resources:${key}`, label, group: "resources", unit, lowerIsBetter: true, values });
  }
  quantities.push({
    scenario,
    key: "storage:database_bytes",
    label: "database size after the run",
    group: "storage",
    unit: "bytes",
    lowerIsBetter: true,
    values: collect((run) => {
      const sizes = Object.values(run.databaseBytes);
      return sizes.length ? sizes.reduce((a, b) => a + b, 0) : null;
    }),
  });
  return quantities;
}

/**
 * Every quantity of every scenario with its spread per database and the ratio
 * numerator/denominator (PostgreSQL over SQLite by default: above 1 means PostgreSQL has more).
 */
export function compare(results: BenchResults, numerator = "postgres", denominator = "sqlite"): ComparisonRow[] {
  return results.settings.scenarios.flatMap((scenario) =>
    scenarioQuantities(results, scenario).map((quantity) => {
      const [top, bottom] = [quantity.values[numerator], quantity.values[denominator]];
      const interval = top && bottom ? ratioInterval(top, bottom) : null;
      return {
        quantity,
        spreads: Object.fromEntries(Object.entries(quantity.values).map(([db, values]) => [db, spread(values)])),
        intervals: Object.fromEntries(Object.entries(quantity.values).map(([db, values]) => [db, meanInterval(values)])),
        ratio: top && bottom ? ratio(top, bottom) : null,
        ratioInterval: interval,
        verdict: verdictOf(interval, quantity.lowerIsBetter),
      };
    }),
  );
}

export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case "ms":
      return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value >= 100 ? 0 : 1)} ms`;
    case "bytes":
      return value >= 1e6 ? `${(value / 1e6).toFixed(1)} MB` : value >= 1e3 ? `${(value / 1e3).toFixed(1)} kB` : `${value.toFixed(0)} B`;
    case "per_second":
      return `${value.toFixed(2)}/s`;
    case "percent":
      return `${value.toFixed(1)}%`;
    case "count":
      return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
}

export function formatRatio(r: Ratio | null): string {
  if (!r) return "–";
  return r.pairs > 1 ? `${r.value.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})` : `${r.value.toFixed(2)}×`;
}

/** A ratio with its 95% interval and what it says: `1.40× [1.21–1.62] worse`. */
export function formatRatioInterval(row: ComparisonRow): string {
  const r = row.ratioInterval;
  if (!r) return "–";
  const interval = r.n > 1 ? ` [${r.low.toFixed(2)}–${r.high.toFixed(2)}]` : "";
  return `${r.estimate.toFixed(2)}×${interval} ${row.verdict}`;
}
