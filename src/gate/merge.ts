import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RunResults, TestRecord } from "../../reporters/results.ts";
import { evaluateGate, type Expectations } from "../run/expectations.ts";

/** One shard's results.json, read from a file or from the `--out` directory that holds it. */
export function readShardResults(path: string): { source: string; results: RunResults } {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "results.json") : path;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: expected a results.json written by gauntlet run (${(error as Error).message})`);
  }
  const results = parsed as Partial<RunResults>;
  if (results.tool !== "gauntlet" || results.version !== 1 || !Array.isArray(results.tests) || !results.target) {
    throw new Error(`${file}: not a results.json of gauntlet run (version 1)`);
  }
  return { source: file, results: results as RunResults };
}

export interface MergeOptions {
  expectations: Expectations | null;
  expectationsFile: string | null;
  strict: boolean;
  /** Every suite file that exists, to tell stale expectations from tests of unselected files. */
  allFiles: string[];
}

/**
 * One run's results from the results of its shards (`gauntlet run --shard i/n` in parallel CI
 * jobs): tests side by side, the gate decided again over all of them. Shards of different
 * homeservers, or shards that ran the same test, are refused: they are not parts of one run.
 */
export function mergeShardResults(shards: { source: string; results: RunResults }[], options: MergeOptions): RunResults {
  if (shards.length === 0) throw new Error("nothing to merge: name the results.json of each shard (or the --out directory that holds it)");
  const first = shards[0]!.results;
  for (const { source, results } of shards) {
    if (results.target.homeserver !== first.target.homeserver || results.target.database !== first.target.database) {
      throw new Error(
        `${source} tested ${results.target.homeserver} on ${results.target.database ?? "an existing server"}, but ${shards[0]!.source} tested ${first.target.homeserver} on ${first.target.database ?? "an existing server"}: shards of one run test the same deployment`,
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
  const errors = shards.flatMap(({ source, results }) => results.errors.map((error) => `${source}: ${error}`));
  const selectedFiles = [...new Set(tests.map((test) => test.file))];
  const verdict = evaluateGate({ tests, allFiles: options.allFiles, selectedFiles, errors, expectations: options.expectations, strict: options.strict });
  const maximum = (pick: (r: RunResults) => number) => Math.max(...shards.map(({ results }) => pick(results)));
  const distinct = <T>(values: T[]) => [...new Set(values)];
  const runIds = distinct(shards.map(({ results }) => results.target.runId));
  return {
    version: 1,
    tool: "gauntlet",
    startedAt: shards.map(({ results }) => results.startedAt).sort()[0] ?? first.startedAt,
    // Shards run side by side: the run took as long as its longest shard.
    durationMs: maximum((r) => r.durationMs),
    target: {
      homeserver: first.target.homeserver,
      database: first.target.database,
      runId: runIds.length === 1 ? (runIds[0] ?? null) : null,
      baseUrls: distinct(shards.flatMap(({ results }) => results.target.baseUrls)),
    },
    selection: {
      suites: distinct(shards.flatMap(({ results }) => results.selection.suites)),
      grep: distinct(shards.map(({ results }) => results.selection.grep)).length === 1 ? first.selection.grep : null,
      shard: shards.map(({ results }) => results.selection.shard ?? "all").join(" + "),
    },
    timings: { environmentMs: maximum((r) => r.timings.environmentMs), suitesMs: maximum((r) => r.timings.suitesMs) },
    errors,
    expectations: { file: options.expectationsFile, strict: options.strict, stale: verdict.stale },
    gate: { passed: verdict.passed, exitCode: verdict.exitCode, reasons: verdict.reasons },
    summary: verdict.summary,
    tests: verdict.tests,
  };
}
