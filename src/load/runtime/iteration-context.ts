import { AsyncLocalStorage } from "node:async_hooks";
import type { ScenarioConfig } from "../options/scenarios.ts";

/** What k6/execution reports about a running scenario. */
export interface ScenarioState {
  readonly config: ScenarioConfig;
  /** performance.now() when the scenario started. */
  readonly startedAt: number;
  /** Iterations started so far in this scenario, across its VUs. */
  iterationsStarted: number;
  /** The number in the whole test (across every instance of a segmented test) of this instance's n-th iteration. */
  iterationInTest(n: number): number;
  /** Share of the scenario done, 0 to 1. */
  progress(): number;
  /** Aborts in-flight requests once the scenario's graceful stop has passed. */
  readonly hardStop: AbortSignal;
  /** The tags of its iterations' samples outside any group: the scenario's own, its name, group "". */
  readonly iterationTags: Readonly<Record<string, string>>;
}

/** What k6/execution reports about a VU. */
export interface VuState {
  readonly idInTest: number;
  iterationInInstance: number;
  iterationInScenario: number;
  readonly tags: Record<string, string | number | boolean>;
}

/**
 * Who is running the code that calls a k6 API right now. VUs share one event loop, so the
 * answer travels with the async call chain of each iteration rather than living in globals.
 */
export interface IterationContext {
  readonly vu: VuState;
  readonly scenario: ScenarioState | undefined;
  /** k6's `__ITER`: this VU's iteration number in its scenario. */
  readonly iteration: number;
  /** The iteration's number across all VUs of its scenario. */
  readonly scenarioIteration: number;
  /** The iteration's number across all instances of a segmented test (k6's `iterationInTest`). */
  readonly testIteration: number;
  /** How late the iteration began against its schedule; the first request carries it (shared by groups). */
  readonly schedule: { lagMs: number };
  /** `::`-joined group names, "" at the root, as k6 writes group paths. */
  groupPath: string;
  readonly signal: AbortSignal | undefined;
  /** Tags every sample of this iteration carries: scenario, group and the script's own. */
  readonly tags: Readonly<Record<string, string>>;
}

export const iterationContext = new AsyncLocalStorage<IterationContext>();

export function currentIteration(): IterationContext | undefined {
  return iterationContext.getStore();
}
