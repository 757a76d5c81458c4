import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startEnvironment, type Environment, type EnvironmentOptions } from "../env/environment.ts";
import type { LoadEngine } from "../load/engines/load-engine.ts";
import { runMeasured } from "../load/measured-run.ts";
import { parseDuration } from "../load/options/duration.ts";
import type { SummaryExport } from "../load/summary/summary-export.ts";
import { matchMetrics, scenarioSettings, type BenchScenario } from "./bench-scenarios.ts";
import { compare } from "./aggregate.ts";
import { searchCapacity, type CapacitySearchOptions, type Slo } from "./capacity.ts";
import { readCpuTimes, stealPercent } from "./cpu-steal.ts";
import { databaseProvenance, machineProvenance } from "./provenance.ts";
import { relativeWidth } from "./statistics.ts";
import { headlineRows } from "./verdicts.ts";
import type { BenchResults, BenchRun } from "./results.ts";
import { comparisonPairs, type BenchSide } from "./sides.ts";
import { planWorkload } from "./workload/plan.ts";
import { formatScale, type Scale } from "./workload/scale.ts";
import { seedHomeserver } from "./workload/seed-homeserver.ts";
import { portBeside } from "../port/port-deployment.ts";

/** Percentiles the report needs beyond k6's default trend statistics (the spectrum among them), and sample counts. */
export const BENCH_TREND_STATS = ["avg", "min", "med", "max", "p(75)", "p(90)", "p(95)", "p(99)", "p(99.9)", "p(99.99)", "count"];

export interface BenchOptions {
  sides: BenchSide[];
  scenarios: { scenario: BenchScenario; scriptPath: string }[];
  /** A fixed number of repeats, or `auto`: repeat each scenario until its headline ratios are precise. */
  repeat: number | AutoRepeat;
  duration: string;
  rate?: number;
  seed: number;
  /** The seeded workload the scale scenarios run against; seeded once per environment. */
  scale?: { scale: Scale; preset?: string };
  /** Instead of repeats at one rate: per scenario and side, the highest rate that holds the objective. */
  capacity?: { slo: Slo; search: Omit<CapacitySearchOptions, "stepMs"> };
  /**
   * The PostgreSQL side is the SQLite deployment ported with the profile's own tool
   * (synapse_port_db) after seeding, served beside it: both sides read the same data.
   */
  ported?: boolean;
  outDir: string;
  engine: LoadEngine;
  environment: Omit<EnvironmentOptions, "database" | "signal" | "progress" | "profile">;
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
  const rows = comparisonPairs(results.settings.databases).flatMap(([numerator, denominator]) =>
    headlineRows(compare(results, numerator, denominator).filter((row) => row.quantity.scenario === scenario)),
  );
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

/** What every run of the bench shares: the results being written and where. */
interface BenchContext {
  readonly options: BenchOptions;
  readonly results: BenchResults;
  readonly started: number;
  readonly save: () => Promise<void>;
}

/** A started, possibly seeded environment for one side, with the workload file the scale scenarios read. */
interface SideEnvironment {
  readonly env: Environment;
  readonly workloadPath?: string;
  /** Where the scenario sends its requests, when not to hs1 (the ported copy beside it). */
  readonly baseUrl?: string;
}

/**
 * Starts a fresh environment for a side, records its provenance once, seeds the workload when the
 * bench has a scale, runs `body`, and tears everything down (the workload file holds access tokens).
 */
async function withSideEnvironment<T>(ctx: BenchContext, side: BenchSide, label: string, body: (sideEnv: SideEnvironment) => Promise<T>): Promise<T> {
  const { options, results } = ctx;
  // Measured as deployed: no application service or mail sink of the harness.
  const env = await startEnvironment({ ...options.environment, ...side.environment, profile: side.hs, harnessServices: false, database: side.db, signal: options.signal });
  let workloadDir: string | undefined;
  try {
    results.provenance.databases[side.key] ??= await databaseProvenance(env);
    let workloadPath: string | undefined;
    if (options.scale) {
      const plan = planWorkload(options.scale.scale, options.seed);
      const seedStarted = Date.now();
      let lastReport = 0;
      const seeded = await seedHomeserver(plan, {
        baseUrl: env.homeserver("hs1").baseUrl,
        signal: options.signal,
        progress: (done, total) => {
          if (Date.now() - lastReport < 10_000 && done < total) return;
          lastReport = Date.now();
          options.progress(`${label}: seeding ${formatScale(plan.scale)} seed ${plan.seed}: ${done}/${total} requests (${clock(Date.now() - seedStarted)})`);
        },
      });
      results.seeding ??= {};
      (results.seeding[side.key] ??= []).push({ runId: env.runId, wallMs: Date.now() - seedStarted });
      workloadDir = await mkdtemp(join(tmpdir(), "gauntlet-workload-"));
      workloadPath = join(workloadDir, "workload.json");
      await writeFile(workloadPath, JSON.stringify(seeded), { mode: 0o600 });
    }
    return await body({ env, ...(workloadPath ? { workloadPath } : {}) });
  } finally {
    if (workloadDir) await rm(workloadDir, { recursive: true, force: true });
    await env.stop().catch((error: Error) => options.progress(`${label}: teardown of ${env.runId}: ${error.message}`));
  }
}

/** One measured engine run of a scenario on a started environment, as the run record results.json keeps. */
async function measureScenario(
  ctx: BenchContext,
  sideEnv: SideEnvironment,
  target: { scenario: BenchScenario; scriptPath: string; side: BenchSide; repeat: number; rate?: number; duration?: string; label: string; summaryName: string },
): Promise<BenchRun> {
  const { options } = ctx;
  const rate = target.rate ?? options.rate;
  const settings = scenarioSettings(target.scenario, { duration: target.duration ?? options.duration, ...(rate !== undefined ? { rate } : {}), seed: options.seed });
  const durationMs = settings.duration ? parseDuration(settings.duration) : null;
  const run = emptyRun(target.scenario.name, target.side, target.repeat, sideEnv.env.runId, settings.offeredRate);
  const loadStarted = Date.now();
  const ticker = setInterval(() => options.progress(`${target.label}: running ${clock(Date.now() - loadStarted)} (bench elapsed ${clock(Date.now() - ctx.started)})`), options.tickMs ?? 10_000);
  const cpuBefore = await readCpuTimes();
  try {
    const measured = await runMeasured({
      engine: options.engine,
      scriptPath: target.scriptPath,
      env: { ...settings.env, GAUNTLET_BASE_URL: sideEnv.baseUrl ?? sideEnv.env.homeserver("hs1").baseUrl, ...(sideEnv.workloadPath ? { GAUNTLET_WORKLOAD: sideEnv.workloadPath } : {}) },
      summaryExportPath: join(options.outDir, "summaries", `${target.summaryName}.json`),
      summaryTrendStats: BENCH_TREND_STATS,
      quiet: true,
      environment: sideEnv.env.state,
      sampleIntervalMs: options.sampleIntervalMs,
    });
    const metrics = measured.result.summary?.metrics ?? {};
    run.exitCode = measured.result.exitCode;
    run.wallMs = Math.round(measured.wallMs);
    run.metrics = metrics;
    run.achievedRate = achievedRate(metrics, settings.throughputMetric, durationMs);
    const dropped = metrics.dropped_iterations?.count;
    run.droppedIterations = typeof dropped === "number" ? dropped : 0;
    run.resources = measured.resources ?? [];
    run.generatorCpuPercent = measured.generatorCpuPercent ?? null;
    run.series = (measured.series ?? []).map((s) => ({
      role: s.role,
      samples: s.samples.map((x): [number, number, number] => [x.t, Math.round(x.cpuPercent * 10) / 10, x.memoryBytes]),
    }));
    // The environment's database is hs1's own; a copy served beside it (--ported) is not measured there.
    run.databaseBytes = sideEnv.baseUrl ? {} : (measured.databaseBytes ?? {});
    run.problems.push(...measured.problems);
    if (!measured.result.summary) run.problems.push(`the engine wrote no summary (exit code ${run.exitCode})`);
  } catch (error) {
    run.problems.push((error as Error).message.split("\n")[0] ?? "failed");
  } finally {
    clearInterval(ticker);
  }
  const cpuAfter = await readCpuTimes();
  run.stealPercent = cpuBefore && cpuAfter ? stealPercent(cpuBefore, cpuAfter) : null;
  return run;
}

function recordScenario(ctx: BenchContext, scenario: BenchScenario): void {
  const { offeredRate: _offered, ...recorded } = scenarioSettings(scenario, { duration: ctx.options.duration, ...(ctx.options.rate !== undefined ? { rate: ctx.options.rate } : {}), seed: ctx.options.seed });
  ctx.results.scenarios[scenario.name] = recorded;
}

async function finishRun(ctx: BenchContext, run: BenchRun, label: string, runStarted: number): Promise<void> {
  ctx.results.runs.push(run);
  await ctx.save();
  const rate = run.achievedRate !== null ? `, ${run.achievedRate.toFixed(2)}/s${run.offeredRate !== null ? ` of ${run.offeredRate}/s offered` : ""}` : "";
  const generator = typeof run.generatorCpuPercent === "number" ? `, generator CPU ${run.generatorCpuPercent}%` : "";
  const outcome = run.problems.length ? `problems: ${run.problems.join("; ")}` : `exit ${run.exitCode}${rate}, ${run.droppedIterations} dropped${generator}`;
  ctx.options.progress(`${label}: done in ${clock(Date.now() - runStarted)}: ${outcome}`);
}

/** A run record before its engine run: nothing measured yet. */
function emptyRun(scenario: string, side: BenchSide, repeat: number, runId: string, offeredRate: number | null): BenchRun {
  return {
    scenario,
    database: side.key,
    repeat,
    runId,
    startedAt: new Date().toISOString(),
    wallMs: 0,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    stealPercent: null,
    generatorCpuPercent: null,
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
}

/** A run that never measured: the environment (or its seeding) failed before the scenario started. */
function failedRun(scenario: string, side: BenchSide, repeat: number, error: Error): BenchRun {
  const run = emptyRun(scenario, side, repeat, "", null);
  run.problems.push(error.message.split("\n")[0] ?? "failed");
  return run;
}

/** Without a scale: every scenario × repeat × side on a fresh environment, sides alternating within a repeat. */
async function runPerScenario(ctx: BenchContext): Promise<void> {
  const { options, results } = ctx;
  const auto = typeof options.repeat === "number" ? undefined : options.repeat;
  const plannedRepeats = auto ? auto.maxRepeat : (options.repeat as number);
  const total = options.scenarios.length * plannedRepeats * options.sides.length;
  let index = 0;
  for (const { scenario, scriptPath } of options.scenarios) {
    recordScenario(ctx, scenario);
    const scenarioStarted = Date.now();
    // With auto, one more turn of the loop asks whether the last repeat was enough (or the most allowed).
    for (let repeat = 1; repeat <= plannedRepeats + (auto ? 1 : 0); repeat++) {
      if (auto) {
        const reason = autoStop(results, scenario.name, repeat - 1, auto, Date.now() - scenarioStarted, auto.budgetMs / options.scenarios.length);
        if (reason) {
          results.settings.stopped![scenario.name] = { repeats: repeat - 1, reason };
          options.progress(`${scenario.name}: stopping after ${repeat - 1} repeat(s): ${reason}`);
          break;
        }
        results.settings.repeat = Math.max(results.settings.repeat, repeat);
      }
      for (const side of options.sides) {
        if (options.signal.aborted) return;
        index++;
        const label = `[${index}/${auto ? "≤" : ""}${total}] ${scenario.name} on ${side.key}, repeat ${repeat}/${auto ? `≤${plannedRepeats}` : plannedRepeats}`;
        const runStarted = Date.now();
        options.progress(`${label}: starting the environment (bench elapsed ${clock(runStarted - ctx.started)})`);
        let run: BenchRun;
        try {
          run = await withSideEnvironment(ctx, side, label, (sideEnv) =>
            measureScenario(ctx, sideEnv, { scenario, scriptPath, side, repeat, label, summaryName: `${scenario.name}-${side.key}-${repeat}` }),
          );
        } catch (error) {
          if (options.signal.aborted) return;
          run = failedRun(scenario.name, side, repeat, error as Error);
        }
        await finishRun(ctx, run, label, runStarted);
      }
    }
  }
}

/**
 * With a scale: per repeat and side, one environment seeded once, every scenario run against it
 * in turn. With --repeat auto, a scenario whose ratios are precise enough sits out the later
 * repeats, and repeating ends when every scenario has stopped (the budget is shared by all).
 */
async function runPerEnvironment(ctx: BenchContext): Promise<void> {
  const { options, results } = ctx;
  const auto = typeof options.repeat === "number" ? undefined : options.repeat;
  const plannedRepeats = auto ? auto.maxRepeat : (options.repeat as number);
  for (const { scenario } of options.scenarios) recordScenario(ctx, scenario);
  const total = plannedRepeats * options.sides.length;
  let index = 0;
  let active = options.scenarios;
  for (let repeat = 1; repeat <= plannedRepeats + (auto ? 1 : 0); repeat++) {
    if (auto) {
      active = active.filter(({ scenario }) => {
        const reason = autoStop(results, scenario.name, repeat - 1, auto, Date.now() - ctx.started, auto.budgetMs);
        if (!reason) return true;
        results.settings.stopped![scenario.name] = { repeats: repeat - 1, reason };
        options.progress(`${scenario.name}: stopping after ${repeat - 1} repeat(s): ${reason}`);
        return false;
      });
      if (active.length === 0) return;
      results.settings.repeat = Math.max(results.settings.repeat, repeat);
    }
    for (const side of options.sides) {
      if (options.signal.aborted) return;
      index++;
      const envLabel = `[${index}/${auto ? "≤" : ""}${total}] ${side.key}, repeat ${repeat}/${auto ? `≤${plannedRepeats}` : plannedRepeats}`;
      options.progress(`${envLabel}: starting the environment (bench elapsed ${clock(Date.now() - ctx.started)})`);
      try {
        await withSideEnvironment(ctx, side, envLabel, async (sideEnv) => {
          for (const { scenario, scriptPath } of active) {
            if (options.signal.aborted) return;
            const label = `${envLabel} ${scenario.name}`;
            const runStarted = Date.now();
            const run = await measureScenario(ctx, sideEnv, { scenario, scriptPath, side, repeat, label, summaryName: `${scenario.name}-${side.key}-${repeat}` });
            await finishRun(ctx, run, label, runStarted);
          }
        });
      } catch (error) {
        if (options.signal.aborted) return;
        for (const { scenario } of active) await finishRun(ctx, failedRun(scenario.name, side, repeat, error as Error), `${envLabel} ${scenario.name}`, Date.now());
      }
    }
  }
}

/**
 * --ported: per repeat, one SQLite environment (seeded with the scale's workload), then ported to
 * PostgreSQL with the profile's tool and served beside it; every scenario runs against both, the
 * side that goes first alternating between repeats. Both read the data seeded before the port.
 */
async function runPorted(ctx: BenchContext): Promise<void> {
  const { options } = ctx;
  const sqlite = options.sides.find((side) => side.db === "sqlite");
  const postgres = options.sides.find((side) => side.db === "postgres");
  if (!sqlite || !postgres || options.sides.length !== 2) throw new Error("a ported bench compares exactly one SQLite side with its PostgreSQL copy");
  const repeats = options.repeat as number;
  for (const { scenario } of options.scenarios) recordScenario(ctx, scenario);
  for (let repeat = 1; repeat <= repeats; repeat++) {
    if (options.signal.aborted) return;
    const envLabel = `[${repeat}/${repeats}] SQLite and its PostgreSQL copy`;
    options.progress(`${envLabel}: starting the environment (bench elapsed ${clock(Date.now() - ctx.started)})`);
    try {
      await withSideEnvironment(ctx, sqlite, envLabel, async (sideEnv) => {
        const ported = await portBeside(sideEnv.env, (message) => options.progress(`${envLabel}: ${message}`));
        ctx.results.porting = [...(ctx.results.porting ?? []), { runId: sideEnv.env.runId, seconds: ported.portSeconds }];
        const order = repeat % 2 === 1 ? [sqlite, postgres] : [postgres, sqlite];
        for (const { scenario, scriptPath } of options.scenarios) {
          for (const side of order) {
            if (options.signal.aborted) return;
            const label = `${envLabel} ${scenario.name} on ${side.key}`;
            const runStarted = Date.now();
            const target = side === postgres ? { ...sideEnv, baseUrl: ported.baseUrl } : sideEnv;
            const run = await measureScenario(ctx, target, { scenario, scriptPath, side, repeat, label, summaryName: `${scenario.name}-${side.key}-${repeat}` });
            await finishRun(ctx, run, label, runStarted);
          }
        }
      });
    } catch (error) {
      if (options.signal.aborted) return;
      for (const { scenario } of options.scenarios) {
        for (const side of options.sides) await finishRun(ctx, failedRun(scenario.name, side, repeat, error as Error), `${envLabel} ${scenario.name} on ${side.key}`, Date.now());
      }
    }
  }
}

/** Capacity search: per side, one (seeded) environment; per open-model scenario, the search's steps on it. */
async function runCapacity(ctx: BenchContext, capacity: NonNullable<BenchOptions["capacity"]>): Promise<void> {
  const { options, results } = ctx;
  const searched = options.scenarios.filter(({ scenario }) => scenario.openModel);
  for (const { scenario } of searched) recordScenario(ctx, scenario);
  const stepMs = parseDuration(options.duration) + 5_000;
  for (const side of options.sides) {
    if (options.signal.aborted) return;
    const envLabel = `capacity on ${side.key}`;
    options.progress(`${envLabel}: starting the environment (bench elapsed ${clock(Date.now() - ctx.started)})`);
    await withSideEnvironment(ctx, side, envLabel, async (sideEnv) => {
      for (const { scenario, scriptPath } of searched) {
        if (options.signal.aborted) return;
        let stepIndex = 0;
        const result = await searchCapacity(
          async (rate) => {
            options.signal.throwIfAborted();
            const label = `${envLabel} ${scenario.name} step ${++stepIndex} at ${rate}/s`;
            const runStarted = Date.now();
            const run = await measureScenario(ctx, sideEnv, { scenario, scriptPath, side, repeat: stepIndex, rate, label, summaryName: `capacity-${scenario.name}-${side.key}-${stepIndex}` });
            await finishRun(ctx, run, label, runStarted);
            return stepMeasurement(run, scenario, capacity.slo.stat);
          },
          capacity.slo,
          { ...capacity.search, stepMs, durationS: parseDuration(options.duration) / 1000 },
        );
        ((results.capacity ??= {})[scenario.name] ??= {})[side.key] = { slo: capacity.slo.text, ...result };
        await ctx.save();
        options.progress(`${envLabel} ${scenario.name}: ${result.capacity === null ? "no rate held" : `${result.capacity}/s holds ${capacity.slo.text}`} (${result.stopped})`);
      }
    });
  }
}

/** The SLO's statistic of the scenario's first headline metric, and what else judges a step. */
function stepMeasurement(run: BenchRun, scenario: BenchScenario, stat: string) {
  const names = matchMetrics(scenario.headline[0] ?? "", Object.keys(run.metrics));
  const metric = names[0] ? run.metrics[names[0]] : undefined;
  const latency = metric?.[stat];
  const count = metric?.count;
  const failed = run.metrics.http_req_failed?.value;
  return {
    latencyMs: typeof latency === "number" && typeof count === "number" && count > 0 ? latency : null,
    samples: typeof count === "number" ? count : 0,
    achievedRate: run.achievedRate,
    droppedIterations: run.droppedIterations,
    failedPercent: typeof failed === "number" ? failed * 100 : 0,
  };
}

/**
 * Runs the bench: per scenario on fresh environments, per seeded environment with a scale, or a
 * capacity search. results.json is rewritten after every run, so an interrupted bench keeps what it measured.
 */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const started = Date.now();
  await mkdir(join(options.outDir, "summaries"), { recursive: true });
  const results: BenchResults = {
    version: 1,
    tool: "gauntlet bench",
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(started).toISOString(),
    interrupted: false,
    settings: {
      databases: options.sides.map((side) => side.key),
      implementations: [...new Set(options.sides.map((side) => side.hs))],
      scenarios: options.scenarios.map((s) => s.scenario.name),
      repeat: typeof options.repeat === "number" ? options.repeat : 0,
      ...(typeof options.repeat === "number" ? {} : { auto: options.repeat, stopped: {} }),
      seed: options.seed,
      ...(options.scale ? { scale: { ...options.scale.scale, ...(options.scale.preset ? { preset: options.scale.preset } : {}) } } : {}),
      ...(options.capacity ? { capacity: { slo: options.capacity.slo.text, ...options.capacity.search } } : {}),
      ...(options.ported ? { ported: true } : {}),
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
  const ctx: BenchContext = { options, results, started, save };
  try {
    if (options.capacity) await runCapacity(ctx, options.capacity);
    else if (options.ported) await runPorted(ctx);
    else if (options.scale) await runPerEnvironment(ctx);
    else await runPerScenario(ctx);
  } catch (error) {
    if (!options.signal.aborted) throw error;
  }
  if (options.signal.aborted) results.interrupted = true;
  await save();
  return results;
}
