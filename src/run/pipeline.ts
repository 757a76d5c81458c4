import { writeTargetFile } from "../deployment/target-file.ts";
import { expectationsFor, loadExpectations } from "./expectations.ts";
import { preflight } from "./preflight.ts";
import { buildRunResults } from "./record.ts";
import { writeReports, type WrittenReports } from "./reports.ts";
import { implementationKey, type RunResults, type RunTarget } from "./results.ts";
import { resolveSelection, type Selection, type SelectionRequest } from "./selection.ts";
import { runSuites, type SuiteRunOutcome } from "./suite-runner.ts";
import { openTarget, type OpenTarget, type TargetRequest } from "./target.ts";

/** Everything `gauntlet run` is asked to do, as parsed from its command line. */
export interface RunRequest {
  target: TargetRequest;
  selection: SelectionRequest;
  /** Expectations file; default: `expectations/<key>.json` of the deployment, when it exists. */
  expect?: string;
  strict: boolean;
  out: string;
  allure: boolean;
  /** Leave a started environment running afterwards. */
  keep: boolean;
  requestTimeoutMs: number;
  progress: (line: string) => void;
  /** Aborting (SIGINT, SIGTERM) cancels the suites, writes what was collected and tears down. */
  signal: AbortSignal;
}

export interface RunOutcome {
  results: RunResults;
  reports: WrittenReports;
}

function describeSelection(selection: Selection): string {
  return [
    `${selection.files.length} suite file(s)`,
    selection.grep ? ` matching /${selection.grep}/` : "",
    selection.shard ? `, shard ${selection.shard}` : "",
    selection.shuffleSeed !== undefined ? `, shuffled (--shuffle ${selection.shuffleSeed} repeats this order)` : "",
  ].join("");
}

/** Runs the selected suites against the target, with the deployment described in a target file. */
async function runSelectedSuites(open: OpenTarget, selection: Selection, request: RunRequest): Promise<SuiteRunOutcome> {
  const channel = writeTargetFile({
    version: 2,
    runId: open.runId,
    requestTimeoutMs: request.requestTimeoutMs,
    ...(open.ca ? { ca: open.ca } : {}),
    homeservers: open.homeservers,
  });
  try {
    return await runSuites({
      files: selection.files,
      ...(selection.grep ? { grep: selection.grep } : {}),
      ...(selection.shard ? { shard: selection.shard } : {}),
      ...(selection.workers ? { maxWorkers: selection.workers } : {}),
      ...(selection.concurrency ? { concurrency: selection.concurrency } : {}),
      ...(selection.shuffleSeed !== undefined ? { shuffleSeed: selection.shuffleSeed } : {}),
      env: channel.env,
      progress: request.progress,
      signal: request.signal,
    });
  } finally {
    channel.remove();
  }
}

/**
 * `gauntlet run` from selection to verdict: select suites, open the target, check it answers as
 * a homeserver, run the suites, judge them against the expectations, write the reports.
 */
export async function runPipeline(request: RunRequest): Promise<RunOutcome> {
  // Usage errors surface before anything starts.
  const selection = resolveSelection(request.selection);
  if (request.expect) loadExpectations(request.expect);
  const startedAt = new Date();
  const open = await openTarget(request.target, { keep: request.keep, signal: request.signal, progress: request.progress });
  try {
    const homeservers = await preflight(open.homeservers, { timeoutMs: request.requestTimeoutMs, ...(open.ca ? { caCertPem: open.ca.certPem } : {}) });
    const target: RunTarget = { implementation: implementationKey(homeservers), database: open.database, runId: open.runId, homeservers };
    const expectations = expectationsFor(target.implementation, request.expect);
    request.progress(`running ${describeSelection(selection)} against ${homeservers.map((hs) => hs.baseUrl).join(", ")}`);
    const outcome = await runSelectedSuites(open, selection, request);
    const interruption = request.signal.aborted ? [`${(request.signal.reason as Error | undefined)?.message ?? "interrupted"}: the results are partial`] : [];
    const results = buildRunResults({
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      target,
      selection: {
        suites: selection.suites,
        grep: selection.grep ?? null,
        shard: selection.shard ?? null,
        shuffleSeed: selection.shuffleSeed ?? null,
        concurrency: selection.concurrency ?? null,
      },
      timings: { environmentMs: open.environmentMs, suitesMs: outcome.durationMs },
      errors: [...outcome.errors, ...interruption],
      tests: outcome.records,
      allFiles: selection.allFiles,
      // A shard runs only some of the selected files: expectations of the others are not stale.
      selectedFiles: selection.shard ? selection.files.filter((file) => outcome.records.some((record) => record.file === file)) : selection.files,
      expectations,
      strict: request.strict,
    });
    return { results, reports: await writeReports(results, request.out, { allure: request.allure }) };
  } finally {
    await open.close();
  }
}
