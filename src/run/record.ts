import { evaluateGate, type Expectations } from "./expectations.ts";
import type { RunResults, RunSelection, RunTarget, TestRecord } from "./results.ts";

/** What a run (or the merge of its shards) observed, before the gate judges it. */
export interface Observations {
  startedAt: string;
  durationMs: number;
  target: RunTarget;
  selection: RunSelection;
  timings: RunResults["timings"];
  /** Errors outside tests: a file that failed to load, an interruption. */
  errors: string[];
  /** Outcomes without verdicts: the gate gives them. */
  tests: TestRecord[];
  /** Every suite file that exists, and the files whose every test this run should have seen. */
  allFiles: string[];
  selectedFiles: string[];
  expectations: { file: string | null; expectations: Expectations | null };
  strict: boolean;
}

/** The run record: the one place where results.json takes its shape, for `run` and `merge` alike. */
export function buildRunResults(observed: Observations): RunResults {
  const verdict = evaluateGate({
    tests: observed.tests,
    allFiles: observed.allFiles,
    selectedFiles: observed.selectedFiles,
    errors: observed.errors,
    expectations: observed.expectations.expectations,
    strict: observed.strict,
  });
  return {
    version: 2,
    tool: "gauntlet",
    startedAt: observed.startedAt,
    durationMs: observed.durationMs,
    target: observed.target,
    selection: observed.selection,
    timings: observed.timings,
    errors: observed.errors,
    expectations: { file: observed.expectations.file, strict: observed.strict, stale: verdict.stale },
    gate: { passed: verdict.passed, exitCode: verdict.exitCode, reasons: verdict.reasons },
    summary: verdict.summary,
    tests: verdict.tests,
  };
}
