import type { BuiltinMetrics } from "../metrics/builtin-metrics.ts";
import { declareBuiltinMetrics } from "../metrics/builtin-metrics.ts";
import { MetricRegistry } from "../metrics/registry.ts";
import type { ScriptOptions } from "../options/scenarios.ts";
import type { GroupNode } from "./group-tree.ts";
import { newRootGroup } from "./group-tree.ts";

/** Why a test stopped before its scenarios ended. */
export type AbortReason =
  | { kind: "threshold"; message: string }
  | { kind: "script"; message: string }
  | { kind: "interrupt"; message: string };

/**
 * The state of the one test this process runs, which the k6 modules reach: the metrics the
 * script records into, its environment, its checks and whether it has been aborted.
 */
export class TestRun {
  readonly registry = new MetricRegistry();
  readonly metrics: BuiltinMetrics = declareBuiltinMetrics(this.registry);
  readonly rootGroup: GroupNode = newRootGroup();
  readonly env: Record<string, string>;
  readonly scriptPath: string;
  options: ScriptOptions = {};
  /** performance.now() when the scenarios started; until then, 0. */
  startedAt = 0;
  abortReason: AbortReason | undefined;
  /** Set by execution.test.fail(): the test runs on but ends failed. */
  failedByScript: string | undefined;
  /** VUs now taking part in a scenario (k6's `vus`), and all initialized ones (`vus_max`). */
  activeVus = 0;
  initializedVus = 0;
  /** Each distinct error an iteration ended with, and how often. */
  readonly iterationErrors = new Map<string, number>();
  readonly #abortController = new AbortController();
  #warnedSleep = false;

  constructor(scriptPath: string, env: Record<string, string>) {
    this.scriptPath = scriptPath;
    this.env = env;
  }

  get aborted(): AbortSignal {
    return this.#abortController.signal;
  }

  abort(reason: AbortReason): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.#abortController.abort(new Error(reason.message));
  }

  /** Prints an iteration's error the first time it occurs; later ones are only counted. */
  reportIterationError(error: unknown): void {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const seen = this.iterationErrors.get(message) ?? 0;
    this.iterationErrors.set(message, seen + 1);
    if (seen === 0) process.stderr.write(`iteration failed: ${message}\n`);
  }

  /** Says once per run that sleep() needs `await` here, since one thread cannot block a single VU. */
  warnUnawaitedSleep(): void {
    if (this.#warnedSleep) return;
    this.#warnedSleep = true;
    process.stderr.write(
      "warning: sleep() was called without `await`; the node engine cannot block one VU, so write `await sleep(n)` (k6 accepts it too)\n",
    );
  }
}

let current: TestRun | undefined;

export function startTestRun(run: TestRun): void {
  current = run;
}

/** The running test; the k6 modules call this, so using them outside a test is an error. */
export function currentTestRun(): TestRun {
  if (!current) throw new Error("k6 modules only work inside a test that the node engine runs");
  return current;
}
