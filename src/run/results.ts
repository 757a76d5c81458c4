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
  /** What the test's matchers asserted endpoints answered (status, and errcode for errors); absent in older records. */
  asserted?: { endpoint: string; status: number; errcode?: string }[];
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

/** One homeserver under test, as the run record names it. */
export interface TestedHomeserver {
  /** `hs1`, `hs2`. */
  name: string;
  /** The homeserver profile: `synapse`, `dendrite`, … */
  implementation: string;
  /** What the server says it runs (`GET /_matrix/federation/v1/version`, or /versions' `server`); null when it does not say. */
  version: string | null;
  baseUrl: string;
}

/** What was tested. No secrets. */
export interface RunTarget {
  /** The expectations key: hs1's implementation, or `<hs1>+<hs2>` when hs2 runs another one. */
  implementation: string;
  database: string | null;
  runId: string | null;
  homeservers: TestedHomeserver[];
}

/** With --shuffle, the seed that repeats the order; concurrency: tests of a file at once (null: the suites' default). */
export interface RunSelection {
  suites: string[];
  grep: string | null;
  shard: string | null;
  shuffleSeed?: number | null;
  concurrency?: number | null;
}

/** Everything a run produced, as written to results.json. */
export interface RunResults {
  version: 2;
  tool: "gauntlet";
  startedAt: string;
  durationMs: number;
  target: RunTarget;
  selection: RunSelection;
  timings: { environmentMs: number; suitesMs: number };
  /** Errors outside any test (a suite file that failed to load, an unhandled rejection). */
  errors: string[];
  expectations: { file: string | null; strict: boolean; stale: { id: string; reason: string }[] };
  gate: { passed: boolean; exitCode: number; reasons: string[] };
  summary: RunSummary;
  tests: TestRecord[];
}

/** The id of a test: file path under `suites/` without `.test.ts`, then its name path. */
export function testId(relativeFile: string, namePath: string[]): string {
  const file = relativeFile.replace(/\\/g, "/").replace(/^suites\//, "").replace(/\.test\.ts$/, "");
  return `${file}::${namePath.join(" > ")}`;
}

/** How a record names its target for people: `synapse 1.160.0 + dendrite 0.13.8 on postgres`. */
export function describeTarget(target: RunTarget): string {
  const servers = target.homeservers.map((hs) => `${hs.name} ${hs.implementation}${hs.version ? ` ${hs.version}` : ""}`).join(", ");
  return `${servers || target.implementation}${target.database ? ` on ${target.database}` : ""}`;
}
