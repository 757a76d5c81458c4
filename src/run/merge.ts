import { UserError } from "../errors/user-error.ts";
import { expectationsFor, type Expectations } from "./expectations.ts";
import { buildRunResults } from "./record.ts";
import { readResultsFile } from "./results-file.ts";
import type { RunResults, TestRecord } from "./results.ts";
import { suiteFiles } from "./selection.ts";

export interface MergeOptions {
  expectations: { file: string | null; expectations: Expectations | null };
  strict: boolean;
  /** Every suite file that exists, to tell stale expectations from tests of unselected files. */
  allFiles: string[];
}

/**
 * `gauntlet merge`: reads each shard's results and makes one run record of them, judged against
 * `expect`, else `expectations/<key>.json` of the shards' deployment.
 */
export function mergeRuns(paths: string[], options: { expect?: string; strict: boolean }): RunResults {
  let shards;
  try {
    shards = paths.map(readResultsFile);
  } catch (error) {
    throw new UserError((error as Error).message, 2);
  }
  try {
    const key = shards[0]?.results.target.implementation ?? "";
    return mergeShardResults(shards, { expectations: expectationsFor(key, options.expect), strict: options.strict, allFiles: suiteFiles() });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError((error as Error).message, 2);
  }
}

/**
 * One run's results from the results of its shards (`gauntlet run --shard i/n` in parallel CI
 * jobs): tests side by side, the gate decided again over all of them. Shards of different
 * deployments, or shards that ran the same test, are refused: they are not parts of one run.
 */
export function mergeShardResults(shards: { source: string; results: RunResults }[], options: MergeOptions): RunResults {
  if (shards.length === 0) throw new Error("nothing to merge: name the results.json of each shard (or the --out directory that holds it)");
  const first = shards[0]!.results;
  for (const { source, results } of shards) {
    if (results.target.implementation !== first.target.implementation || results.target.database !== first.target.database) {
      throw new Error(
        `${source} tested ${results.target.implementation} on ${results.target.database ?? "an existing server"}, but ${shards[0]!.source} tested ${first.target.implementation} on ${first.target.database ?? "an existing server"}: shards of one run test the same deployment`,
      );
    }
  }
  const seen = new Map<string, string>();
  const tests: TestRecord[] = [];
  for (const { source, results } of shards) {
    for (const test of results.tests) {
      const other = seen.get(test.id);
      if (other) throw new Error(`test ${test.id} is in both ${other} and ${source}: shards of one run never run the same test`);
      seen.set(test.id, source);
      // The verdict is decided again below, against the expectations of the merge.
      const { verdict: _verdict, expectation: _expectation, ...record } = test;
      tests.push(record);
    }
  }
  const maximum = (pick: (r: RunResults) => number) => Math.max(...shards.map(({ results }) => pick(results)));
  const distinct = <T>(values: T[]) => [...new Set(values)];
  const runIds = distinct(shards.map(({ results }) => results.target.runId));
  return buildRunResults({
    startedAt: shards.map(({ results }) => results.startedAt).sort()[0] ?? first.startedAt,
    // Shards run side by side: the run took as long as its longest shard.
    durationMs: maximum((r) => r.durationMs),
    target: { ...first.target, runId: runIds.length === 1 ? (runIds[0] ?? null) : null },
    selection: {
      suites: distinct(shards.flatMap(({ results }) => results.selection.suites)),
      grep: distinct(shards.map(({ results }) => results.selection.grep)).length === 1 ? first.selection.grep : null,
      shard: shards.map(({ results }) => results.selection.shard ?? "all").join(" + "),
    },
    timings: { environmentMs: maximum((r) => r.timings.environmentMs), suitesMs: maximum((r) => r.timings.suitesMs) },
    errors: shards.flatMap(({ source, results }) => results.errors.map((error) => `${source}: ${error}`)),
    tests,
    allFiles: options.allFiles,
    selectedFiles: distinct(tests.map((test) => test.file)),
    expectations: options.expectations,
    strict: options.strict,
  });
}
