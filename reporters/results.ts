/** The outcome of one suite test, as every report renders it. */
export interface TestRecord {
  /** Stable across runs: `<file under suites/ without .test.ts>::<describe > … > test name>`. */
  id: string;
  file: string;
  name: string;
  status: "passed" | "failed" | "skipped";
  durationMs: number;
  /** When the test started (epoch ms), when known. */
  startedAt?: number;
  endpoints: string[];
  specSection: string | null;
  /** Failure message with request, response and hint (secrets masked), or the skip reason. */
  message: string | null;
  /** What the expectations file said about this test and how the outcome compares. */
  verdict?: "pass" | "unexpected-failure" | "expected-failure" | "unexpected-pass" | "skipped";
  expectation?: { reason: string; link?: string };
}

export interface RunSummary {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  unexpectedFailures: number;
  expectedFailures: number;
  unexpectedPasses: number;
  staleExpectations: number;
}

/** Everything a run produced, as written to results.json. */
export interface RunResults {
  version: 1;
  tool: "gauntlet";
  startedAt: string;
  durationMs: number;
  /** What was tested: homeserver implementation, database, URLs. No secrets. */
  target: { homeserver: string; database: string | null; runId: string | null; baseUrls: string[] };
  /** shuffleSeed: with --shuffle, the seed that repeats the order; concurrency: tests of a file at once (null: the suites' default). */
  selection: { suites: string[]; grep: string | null; shard: string | null; shuffleSeed?: number | null; concurrency?: number | null };
  timings: { environmentMs: number; suitesMs: number };
  /** Errors outside any test (a suite file that failed to load, an unhandled rejection). */
  errors: string[];
  expectations: { file: string | null; strict: boolean; stale: { id: string; reason: string }[] };
  gate: { passed: boolean; exitCode: number; reasons: string[] };
  summary: RunSummary;
  tests: TestRecord[];
}

export function countStatuses(tests: TestRecord[]): Pick<RunSummary, "total" | "passed" | "failed" | "skipped"> {
  return {
    total: tests.length,
    passed: tests.filter((t) => t.status === "passed").length,
    failed: tests.filter((t) => t.status === "failed").length,
    skipped: tests.filter((t) => t.status === "skipped").length,
  };
}

/** The id of a test: file path under `suites/` without `.test.ts`, then its name path. */
export function testId(relativeFile: string, namePath: string[]): string {
  const file = relativeFile.replace(/\\/g, "/").replace(/^suites\//, "").replace(/\.test\.ts$/, "");
  return `${file}::${namePath.join(" > ")}`;
}
