import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { K6_EXIT_CODE } from "../exit-codes.ts";
import type { Threshold } from "../metrics/thresholds.ts";
import { parseThresholds, thresholdPasses, type ThresholdSpec } from "../metrics/thresholds.ts";
import { parseDuration } from "../options/duration.ts";
import { ExecutionTuple, parseExecutionSegment, parseExecutionSegmentSequence } from "../options/execution-segment.ts";
import type { ScenarioConfig, ScriptOptions } from "../options/scenarios.ts";
import { iterationShare, resolveScenarios, scenarioSpanMs, vuBounds } from "../options/scenarios.ts";
import { runConstantArrivalRate, runRampingArrivalRate } from "../executors/arrival-rate.ts";
import { runConstantVus, runPerVuIterations, runRampingVus, runSharedIterations } from "../executors/closed-model.ts";
import type { ScenarioExecution } from "../executors/executor.ts";
import { pause } from "../executors/executor.ts";
import type { ScenarioState } from "../runtime/iteration-context.ts";
import { installK6Globals } from "../runtime/k6-globals.ts";
import { registerK6Modules } from "../runtime/register-k6-modules.ts";
import { startTestRun, TestRun } from "../runtime/test-run.ts";
import { VirtualUser } from "../runtime/virtual-user.ts";
import type { SummaryExport } from "../summary/summary-export.ts";
import { buildSummaryExport } from "../summary/summary-export.ts";

export interface NodeTestRequest {
  readonly scriptPath: string;
  /** `__ENV` for the script. */
  readonly env: Record<string, string>;
  /** Trend statistics in the summary; k6's default when absent. */
  readonly summaryTrendStats?: readonly string[];
  /** This instance's part of the test and the parts of all instances (k6's `--execution-segment[-sequence]`). */
  readonly executionSegment?: string;
  readonly executionSegmentSequence?: string;
  /** Called about once a second while scenarios run. */
  readonly onTick?: (run: TestRun, elapsedMs: number) => void;
}

export interface NodeTestResult {
  readonly summary: SummaryExport;
  /** k6's exit code for this outcome: 0, 99 for failed thresholds, 107 for a script error, … */
  readonly exitCode: number;
  readonly testDurationMs: number;
  /** Trends the script declared as times, which the summary export cannot say. */
  readonly timeMetrics: ReadonlySet<string>;
  /** Why the test ended early or failed, in one sentence, when it did. */
  readonly problem?: string;
}

const VU_INIT_BATCH = 25;
const THRESHOLD_EVALUATION_MS = 2000;

/** Runs a k6 script with the embedded engine in this process (one test per process). */
export async function runNodeTest(request: NodeTestRequest): Promise<NodeTestResult> {
  registerK6Modules();
  const scriptPath = resolve(request.scriptPath);
  const scriptUrl = pathToFileURL(scriptPath);
  const run = new TestRun(scriptPath, request.env);
  startTestRun(run);
  installK6Globals(request.env, scriptPath);
  const early = (exitCode: number, problem: string, durationMs = 0): NodeTestResult => ({
    summary: buildSummaryExport({ metrics: run.registry.all(), thresholds: [], rootGroup: run.rootGroup, testDurationMs: durationMs }),
    exitCode,
    testDurationMs: durationMs,
    timeMetrics: timeMetricsOf(run),
    problem,
  });

  let first: VirtualUser;
  try {
    first = await VirtualUser.load(run, scriptUrl, 0);
  } catch (error) {
    return early(K6_EXIT_CODE.scriptException, `the script failed while loading: ${describe(error)}`);
  }

  let scenarios: ScenarioConfig[];
  let thresholds: Threshold[];
  let segment: ExecutionTuple;
  const options = (first.exports.options ?? {}) as ScriptOptions;
  run.options = options;
  try {
    scenarios = resolveScenarios(options);
    segment = executionTupleOf(request, options);
    thresholds = parseThresholds(options.thresholds as Record<string, ThresholdSpec[]> | undefined, run.registry);
    for (const scenario of scenarios) {
      if (typeof first.exports[scenario.exec] !== "function") {
        throw new Error(
          `scenario "${scenario.name}" runs exec "${scenario.exec}", but the script exports no function by that name`,
        );
      }
    }
  } catch (error) {
    return early(K6_EXIT_CODE.invalidConfig, `invalid options: ${describe(error)}`);
  }

  // k6 initializes every VU the test may start with before setup() runs.
  let nextVuId = 1;
  const createVu = async (): Promise<VirtualUser> => {
    const vu = await VirtualUser.load(run, scriptUrl, nextVuId++);
    run.initializedVus++;
    return vu;
  };
  const vusByScenario = new Map<string, VirtualUser[]>();
  try {
    for (const scenario of scenarios) {
      const vus: VirtualUser[] = [];
      const { initial } = vuBounds(scenario, segment);
      while (vus.length < initial) {
        const batch = Math.min(VU_INIT_BATCH, initial - vus.length);
        vus.push(...(await Promise.all(Array.from({ length: batch }, createVu))));
      }
      vusByScenario.set(scenario.name, vus);
    }
  } catch (error) {
    return early(K6_EXIT_CODE.scriptException, `a VU failed to initialize: ${describe(error)}`);
  }

  let setupJson: string | undefined;
  try {
    const data = await withTimeout(first.runLifecycle("setup"), parseDuration(options.setupTimeout ?? "60s"), "setup()");
    setupJson = data === undefined ? undefined : JSON.stringify(data);
  } catch (error) {
    const timedOut = error instanceof LifecycleTimeout;
    return early(timedOut ? K6_EXIT_CODE.setupTimeout : K6_EXIT_CODE.scriptException, `setup() failed: ${describe(error)}`);
  }
  for (const vus of vusByScenario.values()) for (const vu of vus) vu.receiveSetupData(setupJson);
  const createVuWithData = async (): Promise<VirtualUser> => {
    const vu = await createVu();
    vu.receiveSetupData(setupJson);
    return vu;
  };

  run.startedAt = performance.now();
  const sampler = startSampling(run, thresholds, request.onTick);
  await Promise.all(
    scenarios.map(async (config) => {
      await pause(config.startTimeMs, run);
      if (run.aborted.aborted) return;
      await runScenario(run, config, segment, vusByScenario.get(config.name) ?? [], createVuWithData);
    }),
  );
  clearInterval(sampler);
  sampleVus(run);
  const testDurationMs = performance.now() - run.startedAt;

  let problem: string | undefined;
  let exitCode: number = K6_EXIT_CODE.ok;
  try {
    await withTimeout(
      first.runLifecycle("teardown", setupJson === undefined ? undefined : JSON.parse(setupJson)),
      parseDuration(options.teardownTimeout ?? "60s"),
      "teardown()",
    );
  } catch (error) {
    problem = `teardown() failed: ${describe(error)}`;
    exitCode = error instanceof LifecycleTimeout ? K6_EXIT_CODE.teardownTimeout : K6_EXIT_CODE.scriptException;
  }

  const summary = buildSummaryExport({
    metrics: run.registry.all(),
    thresholds,
    rootGroup: run.rootGroup,
    testDurationMs,
    trendStats: request.summaryTrendStats ?? options.summaryTrendStats,
  });
  const failed = thresholds.filter((t) => !thresholdPasses(t, testDurationMs));
  if (run.abortReason?.kind === "script") {
    exitCode = K6_EXIT_CODE.scriptAborted;
    problem = run.abortReason.message;
  } else if (run.abortReason?.kind === "interrupt") {
    exitCode = K6_EXIT_CODE.externalAbort;
    problem = run.abortReason.message;
  } else if (failed.length > 0 || run.abortReason?.kind === "threshold") {
    exitCode = K6_EXIT_CODE.thresholdsFailed;
    problem = `thresholds failed: ${failed.map((t) => `${t.metricKey} ${t.source}`).join(", ")}`;
  } else if (exitCode === K6_EXIT_CODE.ok && run.failedByScript) {
    exitCode = K6_EXIT_CODE.markedAsFailed;
    problem = run.failedByScript;
  }
  const timeMetrics = timeMetricsOf(run);
  return problem === undefined ? { summary, exitCode, testDurationMs, timeMetrics } : { summary, exitCode, testDurationMs, timeMetrics, problem };
}

async function runScenario(
  run: TestRun,
  config: ScenarioConfig,
  segment: ExecutionTuple,
  vus: VirtualUser[],
  createVu: () => Promise<VirtualUser>,
): Promise<void> {
  const hardStop = new AbortController();
  const startedAt = performance.now();
  const spanMs = scenarioSpanMs(config) - config.gracefulStopMs;
  const share = iterationShare(config, segment);
  const state: ScenarioState = {
    config,
    startedAt,
    iterationsStarted: 0,
    iterationInTest: (n) => share?.indexInTest(n) ?? n,
    progress: () => Math.min(1, (performance.now() - startedAt) / Math.max(1, spanMs)),
    hardStop: hardStop.signal,
    iterationTags: Object.freeze({ ...config.tags, scenario: config.name, group: "" }),
  };
  const execution: ScenarioExecution = { run, config, state, segment, vus, createVu, interrupt: () => hardStop.abort() };
  switch (config.executor) {
    case "constant-vus":
      return runConstantVus({ ...execution, config });
    case "ramping-vus":
      return runRampingVus({ ...execution, config });
    case "per-vu-iterations":
      return runPerVuIterations({ ...execution, config });
    case "shared-iterations":
      return runSharedIterations({ ...execution, config });
    case "constant-arrival-rate":
      return runConstantArrivalRate({ ...execution, config });
    case "ramping-arrival-rate":
      return runRampingArrivalRate({ ...execution, config });
  }
}

/** The command line's segment and sequence, else the script options', else the whole test. */
function executionTupleOf(request: NodeTestRequest, options: ScriptOptions): ExecutionTuple {
  const segment = request.executionSegment ?? options.executionSegment;
  const sequence = request.executionSegmentSequence ?? options.executionSegmentSequence;
  return ExecutionTuple.of(segment ? parseExecutionSegment(segment) : undefined, sequence ? parseExecutionSegmentSequence(sequence) : []);
}

/** Samples `vus` each second and evaluates abortOnFail thresholds every two, as k6 does. */
function startSampling(run: TestRun, thresholds: Threshold[], onTick: NodeTestRequest["onTick"]): NodeJS.Timeout {
  const aborting = thresholds.filter((t) => t.abortOnFail);
  let lastEvaluation = performance.now();
  sampleVus(run);
  return setInterval(() => {
    sampleVus(run);
    const now = performance.now();
    const elapsed = now - run.startedAt;
    if (aborting.length > 0 && now - lastEvaluation >= THRESHOLD_EVALUATION_MS) {
      lastEvaluation = now;
      const crossed = aborting.find((t) => elapsed >= t.delayAbortEvalMs && !thresholdPasses(t, elapsed));
      if (crossed) run.abort({ kind: "threshold", message: `threshold ${crossed.metricKey} ${crossed.source} crossed; aborting (abortOnFail)` });
    }
    onTick?.(run, elapsed);
  }, 1000).unref();
}

function sampleVus(run: TestRun): void {
  run.registry.add(run.metrics.vus, run.activeVus);
  run.registry.add(run.metrics.vusMax, run.initializedVus);
}

function timeMetricsOf(run: TestRun): ReadonlySet<string> {
  return new Set(run.registry.all().filter((metric) => metric.isTime).map((metric) => metric.name));
}

class LifecycleTimeout extends Error {}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LifecycleTimeout(`${what} did not finish within ${ms} ms; raise setupTimeout/teardownTimeout in options`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
