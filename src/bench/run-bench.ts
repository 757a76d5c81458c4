import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { startEnvironment, type EnvironmentOptions } from "../env/environment.ts";
import type { LoadEngine } from "../load/engines/load-engine.ts";
import { runMeasured } from "../load/measured-run.ts";
import { parseDuration } from "../load/options/duration.ts";
import type { SummaryExport } from "../load/summary/summary-export.ts";
import { matchMetrics, scenarioSettings, type BenchScenario } from "./bench-scenarios.ts";
import { compare } from "./aggregate.ts";
import { databaseProvenance, machineProvenance } from "./provenance.ts";
import { relativeWidth } from "./statistics.ts";
import { headlineRows } from "./verdicts.ts";
import type { BenchResults, BenchRun } from "./results.ts";

/** Percentiles the report needs beyond k6's default trend statistics, and sample counts for throughput. */
export const BENCH_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"];

export interface BenchOptions {
  databases: ("sqlite" | "postgres")[];
  scenarios: { scenario: BenchScenario; scriptPath: string }[];
  /** A fixed number of repeats, or `auto`: repeat each scenario until its headline ratios are precise. */
  repeat: number | AutoRepeat;
  duration: string;
  rate?: number;
  seed: number;
  outDir: string;
  engine: LoadEngine;
  environment: Omit<EnvironmentOptions, "database" | "signal" | "progress">;
  sampleIntervalMs: number;
  signal: AbortSignal;
  progress: (line: string) => void;
  gauntletVersion: string;
  /** How often a running scenario reports that it still runs. */
  tickMs?: number;
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * `--repeat auto`: repeat a scenario (both sides alternating) until the 95% interval of every
 * headline ratio is narrower than `precision` × the ratio, or its share of the time budget is
 * spent, or `maxRepeat` repeats ran; never fewer than 3, the fewest that can give a verdict.
 */
export interface AutoRepeat {
  precision: number;
  budgetMs: number;
  maxRepeat: number;
}

export const MIN_AUTO_REPEATS = 3;

/** Whether a scenario has repeated enough: the reason to stop, or undefined to go on. */
export function autoStop(results: BenchResults, scenario: string, repeats: number, auto: AutoRepeat, spentMs: number, shareMs: number): string | undefined {
  if (repeats < MIN_AUTO_REPEATS) return undefined;
  const [numerator, denominator] = ["postgres", "sqlite"];
  const rows = headlineRows(compare(results, numerator, denominator).filter((row) => row.quantity.scenario === scenario));
  const widths = rows.map((row) => (row.ratioInterval ? relativeWidth(row.ratioInterval) : Number.POSITIVE_INFINITY));
  if (widths.length > 0 && widths.every((w) => w <= auto.precision)) return `every headline ratio's 95% interval is within ${(auto.precision * 100).toFixed(0)}% of it`;
  if (repeats >= auto.maxRepeat) return `reached ${auto.maxRepeat} repeats; widest interval ${(Math.max(...widths) * 100).toFixed(0)}% of its ratio`;
  if (spentMs >= shareMs) return `its share of the time budget (${clock(shareMs)}) was spent; widest interval ${(Math.max(...widths) * 100).toFixed(0)}% of its ratio`;
  return undefined;
}

/** Completed headline operations per second of the measured duration. */
export function achievedRate(metrics: SummaryExport["metrics"], throughputMetric: string | null, durationMs: number | null): number | null {
  if (!throughputMetric || !durationMs) return null;
  const names = matchMetrics(throughputMetric, Object.keys(metrics));
  if (names.length === 0) return null;
  const count = names.reduce((sum, name) => sum + (typeof metrics[name]?.count === "number" ? (metrics[name].count as number) : 0), 0);
  return count / (durationMs / 1000);
}

/**
 * Runs every scenario × repeat × database on a fresh environment with the same seed; the
 * databases alternate within each repeat so that drift on the machine touches both alike.
 * results.json is rewritten after every run, so an interrupted bench keeps what it measured.
 */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const { progress, signal } = options;
  const started = Date.now();
  const summariesDir = join(options.outDir, "summaries");
  await mkdir(summariesDir, { recursive: true });
  const results: BenchResults = {
    version: 1,
    tool: "gauntlet bench",
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(started).toISOString(),
    interrupted: false,
    settings: {
      databases: options.databases,
      scenarios: options.scenarios.map((s) => s.scenario.name),
      repeat: typeof options.repeat === "number" ? options.repeat : 0,
      ...(typeof options.repeat === "number" ? {} : { auto: options.repeat, stopped: {} }),
      seed: options.seed,
      duration: options.duration,
      rate: options.rate ?? null,
      sampleIntervalMs: options.sampleIntervalMs,
    },
    provenance: {
      machine: await machineProvenance(),
      engine: { name: options.engine.name, description: options.engine.description },
      gauntletVersion: options.gauntletVersion,
      databases: {},
    },
    scenarios: {},
    runs: [],
  };
  const save = async () => {
    results.finishedAt = new Date().toISOString();
    await writeFile(join(options.outDir, "results.json"), `${JSON.stringify(results, null, 1)}\n`);
  };
  const auto = typeof options.repeat === "number" ? undefined : options.repeat;
  const plannedRepeats = auto ? auto.maxRepeat : (options.repeat as number);
  const total = options.scenarios.length * plannedRepeats * options.databases.length;
  let index = 0;
  outer: for (const { scenario, scriptPath } of options.scenarios) {
    const settings = scenarioSettings(scenario, { duration: options.duration, ...(options.rate !== undefined ? { rate: options.rate } : {}), seed: options.seed });
    const { offeredRate, ...recorded } = settings;
    results.scenarios[scenario.name] = recorded;
    const durationMs = settings.duration ? parseDuration(settings.duration) : null;
    const scenarioStarted = Date.now();
    // With auto, one more turn of the loop asks whether the last repeat was enough (or the most allowed).
    for (let repeat = 1; repeat <= plannedRepeats + (auto ? 1 : 0); repeat++) {
      if (auto) {
        const reason = autoStop(results, scenario.name, repeat - 1, auto, Date.now() - scenarioStarted, auto.budgetMs / options.scenarios.length);
        if (reason) {
          results.settings.stopped![scenario.name] = { repeats: repeat - 1, reason };
          progress(`${scenario.name}: stopping after ${repeat - 1} repeat(s): ${reason}`);
          break;
        }
        results.settings.repeat = Math.max(results.settings.repeat, repeat);
      }
      for (const database of options.databases) {
        if (signal.aborted) break outer;
        index++;
        const label = `[${index}/${auto ? "≤" : ""}${total}] ${scenario.name} on ${database}, repeat ${repeat}/${auto ? `≤${plannedRepeats}` : plannedRepeats}`;
        const runStarted = Date.now();
        progress(`${label}: starting the environment (bench elapsed ${clock(runStarted - started)})`);
        const run: BenchRun = {
          scenario: scenario.name,
          database,
          repeat,
          runId: "",
          startedAt: new Date(runStarted).toISOString(),
          wallMs: 0,
          loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
          exitCode: -1,
          offeredRate,
          achievedRate: null,
          droppedIterations: 0,
          metrics: {},
          resources: [],
          series: [],
          databaseBytes: {},
          problems: [],
        };
        let ticker: NodeJS.Timeout | undefined;
        try {
          // Measured as deployed: no application service or mail sink of the harness.
          const env = await startEnvironment({ ...options.environment, harnessServices: false, database, signal });
          run.runId = env.runId;
          try {
            if (!results.provenance.databases[database]) {
              results.provenance.databases[database] = await databaseProvenance(env);
            }
            const loadStarted = Date.now();
            progress(`${label}: running on ${env.runId}`);
            ticker = setInterval(
              () => progress(`${label}: running ${clock(Date.now() - loadStarted)} (bench elapsed ${clock(Date.now() - started)})`),
              options.tickMs ?? 10_000,
            );
            const measured = await runMeasured({
              engine: options.engine,
              scriptPath,
              env: { ...settings.env, GAUNTLET_BASE_URL: env.homeserver("hs1").baseUrl },
              summaryExportPath: join(summariesDir, `${scenario.name}-${database}-${repeat}.json`),
              summaryTrendStats: BENCH_TREND_STATS,
              quiet: true,
              environment: env.state,
              sampleIntervalMs: options.sampleIntervalMs,
            });
            clearInterval(ticker);
            const metrics = measured.result.summary?.metrics ?? {};
            run.exitCode = measured.result.exitCode;
            run.wallMs = Math.round(measured.wallMs);
            run.metrics = metrics;
            run.achievedRate = achievedRate(metrics, settings.throughputMetric, durationMs);
            const dropped = metrics.dropped_iterations?.count;
            run.droppedIterations = typeof dropped === "number" ? dropped : 0;
            run.resources = measured.resources ?? [];
            run.series = (measured.series ?? []).map((s) => ({
              role: s.role,
              samples: s.samples.map((x): [number, number, number] => [x.t, Math.round(x.cpuPercent * 10) / 10, x.memoryBytes]),
            }));
            run.databaseBytes = measured.databaseBytes ?? {};
            run.problems.push(...measured.problems);
            if (!measured.result.summary) run.problems.push(`the engine wrote no summary (exit code ${run.exitCode})`);
          } finally {
            await env.stop().catch((error: Error) => run.problems.push(`teardown of ${env.runId}: ${error.message}`));
          }
        } catch (error) {
          if (signal.aborted) {
            results.interrupted = true;
            break outer;
          }
          run.problems.push((error as Error).message.split("\n")[0] ?? "failed");
        } finally {
          if (ticker) clearInterval(ticker);
        }
        if (signal.aborted) results.interrupted = true;
        results.runs.push(run);
        await save();
        const rate = run.achievedRate !== null ? `, ${run.achievedRate.toFixed(2)}/s${run.offeredRate !== null ? ` of ${run.offeredRate}/s offered` : ""}` : "";
        const outcome = run.problems.length ? `problems: ${run.problems.join("; ")}` : `exit ${run.exitCode}${rate}, ${run.droppedIterations} dropped`;
        progress(`${label}: done in ${clock(Date.now() - runStarted)}: ${outcome}`);
      }
    }
  }
  if (signal.aborted) results.interrupted = true;
  await save();
  return results;
}
