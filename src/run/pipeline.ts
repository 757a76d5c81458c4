import type { Incident } from "../deployment/incidents.ts";
import { writeTargetFile } from "../deployment/target-file.ts";
import { connectEngine } from "../env/engine.ts";
import { expectationsFor, loadExpectations } from "./expectations.ts";
import { preflight } from "./preflight.ts";
import { buildRunResults } from "./record.ts";
import { writeReports, type WrittenReports } from "./reports.ts";
import { implementationKey, peerPortsDir } from "../env/state.ts";
import type { RunResults, RunTarget } from "./results.ts";
import { resolveSelection, type Selection, type SelectionRequest } from "./selection.ts";
import { runSuites, type SuiteRunOutcome } from "./suite-runner.ts";
import { openTarget, type OpenTarget, type TargetRequest } from "./target.ts";
import { watchDeployment } from "./watchdog.ts";

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

/** An incident as an error of the run: what happened, then the container's last log lines. */
function describeIncident(incident: Incident): string {
  const affected = incident.affects.length > 0 ? `; the remaining tests of ${incident.affects.join(" and ")} failed at once with this cause` : "";
  return `${incident.cause} (at ${incident.at})${affected}${incident.logTail ? `\nits last log lines:\n${incident.logTail}` : ""}`;
}

/**
 * Runs the selected suites against the target, with the deployment described in a target file,
 * while a watchdog notes any homeserver or database that dies or stalls.
 */
async function runSelectedSuites(open: OpenTarget, selection: Selection, request: RunRequest): Promise<SuiteRunOutcome & { incidents: Incident[] }> {
  const channel = writeTargetFile({
    version: 2,
    runId: open.runId,
    requestTimeoutMs: request.requestTimeoutMs,
    ...(open.ca ? { ca: open.ca } : {}),
    ...(open.runId ? { peerPortsDir: peerPortsDir(open.runId) } : {}),
    homeservers: open.homeservers,
  });
  const docker = open.containers.length > 0 ? (await connectEngine()).docker : undefined;
  const watch = watchDeployment({
    ...(docker ? { docker } : {}),
    containers: open.containers,
    homeservers: open.homeservers.map((hs) => ({ name: hs.name, baseUrl: hs.baseUrl })),
    incidentsFile: channel.incidentsFile,
  });
  try {
    const outcome = await runSuites({
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
    return { ...outcome, incidents: await watch.stop() };
  } finally {
    await watch.stop();
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
    const target: RunTarget = { implementation: implementationKey(homeservers.map((hs) => hs.implementation)) || "unknown", database: open.database, runId: open.runId, homeservers };
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
      errors: [...outcome.incidents.map(describeIncident), ...outcome.errors, ...interruption],
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
