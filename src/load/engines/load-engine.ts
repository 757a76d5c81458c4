import type { SummaryExport } from "../summary/summary-export.ts";

/** One run of a k6 script, engine-independent. */
export interface LoadRunRequest {
  readonly scriptPath: string;
  /** `__ENV` for the script (k6's `-e KEY=VALUE`). */
  readonly env: Readonly<Record<string, string>>;
  /** Where the summary export goes; both engines write the same shape. */
  readonly summaryExportPath: string;
  /** Trend statistics in the export instead of k6's default (avg, min, med, max, p(90), p(95)). */
  readonly summaryTrendStats?: readonly string[];
  /** This instance's part of a test split across instances (k6's `--execution-segment`, e.g. `1/4:1/2`). */
  readonly executionSegment?: string;
  /** The parts every instance of the split test uses (`--execution-segment-sequence`, e.g. `0,1/4,1/2,1`). */
  readonly executionSegmentSequence?: string;
  /** No progress and no end-of-test summary on the terminal: the caller reports instead. */
  readonly quiet?: boolean;
}

export interface LoadRunResult {
  /** k6's exit code: 0, 99 when thresholds failed, 107 for a script error, … */
  readonly exitCode: number;
  /** Undefined when the engine ended before writing one (e.g. the script did not load). */
  readonly summary: SummaryExport | undefined;
}

/** A way to run k6 scripts: a k6 binary, the grafana/k6 image, or the embedded node engine. */
export interface LoadEngine {
  readonly name: "k6" | "node";
  /** What exactly runs, for the terminal and for results provenance: "k6 v1.2.0 (/usr/bin/k6)". */
  readonly description: string;
  /** Where the generator runs: a child process of this one, whose CPU time can be read when it ends, or a container. */
  readonly runsIn: "child-process" | "container";
  run(request: LoadRunRequest): Promise<LoadRunResult>;
}

/** k6's own command-line arguments for a request; the node engine's entry takes the same. */
export function k6RunArguments(
  request: LoadRunRequest,
  scriptPath = request.scriptPath,
  summaryPath = request.summaryExportPath,
  /** The engine's own flags, before the script (the node engine's `--no-summary`). */
  extra: readonly string[] = [],
): string[] {
  const args = ["run", "--summary-export", summaryPath];
  if (request.summaryTrendStats) args.push("--summary-trend-stats", request.summaryTrendStats.join(","));
  if (request.executionSegment) args.push("--execution-segment", request.executionSegment);
  if (request.executionSegmentSequence) args.push("--execution-segment-sequence", request.executionSegmentSequence);
  // Only --quiet: k6 v2 writes no --summary-export when its summary is disabled, so a quiet
  // engine hides k6's terminal summary by not showing its stdout instead.
  if (request.quiet) args.push("--quiet");
  for (const [key, value] of Object.entries(request.env)) args.push("-e", `${key}=${value}`);
  args.push(...extra, scriptPath);
  return args;
}
