import { join } from "node:path";
import type { Vitest } from "vitest/node";
import { ResultCollector } from "./collector.ts";
import type { TestRecord } from "./results.ts";
import { SUITES_CONFIG, SUITES_ROOT } from "./selection.ts";

export interface SuiteRunOptions {
  files: string[];
  grep?: string;
  shard?: string;
  maxWorkers?: number;
  /** Tests of one file in flight at once (1: one after another; default: the suites' config, 4). */
  concurrency?: number;
  /** Random order of files and of tests within them, from this seed. */
  shuffleSeed?: number;
  /** Environment variables the suite workers read: the target file's path (see src/deployment/target-file.ts). */
  env: Record<string, string>;
  progress: (line: string) => void;
  signal?: AbortSignal;
}

export interface SuiteRunOutcome {
  records: TestRecord[];
  errors: string[];
  durationMs: number;
  cancelled: boolean;
}

/**
 * A vitest instance for the suites that leaves SIGINT and SIGTERM to Gauntlet: vitest's own
 * handlers exit the process at once, which would leave the environment running.
 */
async function createQuietVitest(extra: Record<string, unknown>, collector: ResultCollector): Promise<Vitest> {
  const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
  // Loaded on first use: vitest brings vite's native bundler (rolldown), whose threads every
  // other command would start for nothing, and which once kept a process from exiting.
  const { createVitest } = await import("vitest/node");
  const vitest = await createVitest("test", {
    config: SUITES_CONFIG,
    root: SUITES_ROOT,
    watch: false,
    run: true,
    reporters: [collector],
    passWithNoTests: true,
    ...extra,
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.off(signal, listener);
  }
  return vitest;
}

/** Runs suite files with vitest in this process (tests in forked workers) and collects one record per test. */
export async function runSuites(options: SuiteRunOptions): Promise<SuiteRunOutcome> {
  const started = Date.now();
  const collector = new ResultCollector(SUITES_ROOT, options.progress);
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(options.env)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  const exitCodeBefore = process.exitCode;
  let cancelled = false;
  let vitest: Vitest | undefined;
  const onAbort = () => {
    cancelled = true;
    void vitest?.cancelCurrentRun("keyboard-input");
  };
  try {
    if (options.files.length === 0) return { records: [], errors: [], durationMs: 0, cancelled: false };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    vitest = await createQuietVitest({
      ...(options.grep ? { testNamePattern: options.grep } : {}),
      ...(options.shard ? { shard: options.shard } : {}),
      ...(options.maxWorkers ? { maxWorkers: options.maxWorkers } : {}),
      ...(options.concurrency ? { maxConcurrency: options.concurrency } : {}),
      sequence: {
        ...(options.concurrency ? { concurrent: options.concurrency > 1 } : {}),
        ...(options.shuffleSeed !== undefined ? { shuffle: { files: true, tests: true }, seed: options.shuffleSeed } : {}),
      },
    }, collector);
    if (!options.signal?.aborted) await vitest.start(options.files.map((file) => join(SUITES_ROOT, file)));
    if (options.signal?.aborted) onAbort();
    await vitest.close();
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    // vitest sets the exit code on failures; the gate decides it here.
    process.exitCode = exitCodeBefore;
  }
  return { records: collector.records, errors: collector.errors, durationMs: Date.now() - started, cancelled };
}

/**
 * The tests of the given files without running them: ids, endpoints and spec sections. vitest's
 * collect mode drops test meta, so this is a run whose name filter matches no test: every test is
 * reported as skipped, with its meta, and no fixture (so no deployment) is set up.
 */
export async function collectSuites(files: string[]): Promise<{ records: TestRecord[]; errors: string[] }> {
  const collector = new ResultCollector(SUITES_ROOT, () => {});
  const exitCodeBefore = process.exitCode;
  try {
    const vitest = await createQuietVitest({ testNamePattern: "^\\b$" }, collector);
    await vitest.start(files.map((file) => join(SUITES_ROOT, file)));
    await vitest.close();
  } finally {
    process.exitCode = exitCodeBefore;
  }
  return { records: collector.records.map((record) => ({ ...record, status: "skipped", message: null })), errors: collector.errors };
}
