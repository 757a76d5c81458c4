import { setTimeout as delay } from "node:timers/promises";
import type { ExecutionTuple } from "../options/execution-segment.ts";
import type { ScenarioConfig } from "../options/scenarios.ts";
import type { ScenarioState } from "../runtime/iteration-context.ts";
import type { TestRun } from "../runtime/test-run.ts";
import type { VirtualUser } from "../runtime/virtual-user.ts";

/** What an executor gets to run one scenario. */
export interface ScenarioExecution<C extends ScenarioConfig = ScenarioConfig> {
  readonly run: TestRun;
  readonly config: C;
  readonly state: ScenarioState;
  /** This instance's share of the test; the whole test unless the run is segmented. */
  readonly segment: ExecutionTuple;
  /** The VUs initialized for this scenario before the test started. */
  readonly vus: readonly VirtualUser[];
  /** Initializes one more VU (arrival-rate executors, up to maxVUs). */
  readonly createVu: () => Promise<VirtualUser>;
  /** Cuts off in-flight iterations: their requests are aborted and they are not counted. */
  readonly interrupt: () => void;
}

// Pauses shorter than this (the gaps of an arrival schedule) skip the abort listener, which
// would cost an allocation per iteration; an abort is noticed when they end.
const ABORTABLE_PAUSE_MS = 1000;

/** Resolves after `ms`, or early when the test is aborted (for long pauses); never rejects. */
export async function pause(ms: number, run: TestRun): Promise<void> {
  if (ms <= 0 || run.aborted.aborted) return;
  if (ms < ABORTABLE_PAUSE_MS) return new Promise((resolve) => setTimeout(resolve, ms));
  await delay(ms, undefined, { signal: run.aborted }).catch(() => undefined);
}

/** Whether a scenario should start no more iterations. */
export function stopping(run: TestRun, endsAt: number): boolean {
  return run.aborted.aborted || performance.now() >= endsAt;
}

/**
 * Waits for in-flight iterations until `deadline` (the end plus gracefulStop); past it, or when
 * the test is aborted, interrupts them and stops waiting for any that ignore the interruption.
 */
export async function drain(execution: ScenarioExecution, work: Promise<unknown>, deadline: number): Promise<void> {
  const finished = work.then(() => true);
  const hurry = new AbortController();
  const onAbort = (): void => hurry.abort();
  execution.run.aborted.addEventListener("abort", onAbort, { once: true });
  const timeUp = delay(Math.max(0, deadline - performance.now()), false, { signal: hurry.signal }).catch(() => false);
  const done = await Promise.race([finished, timeUp]);
  execution.run.aborted.removeEventListener("abort", onAbort);
  hurry.abort();
  if (done) return;
  execution.interrupt();
  // Aborted requests settle within milliseconds; an iteration stuck elsewhere is left behind.
  await Promise.race([finished, delay(1000)]);
}
