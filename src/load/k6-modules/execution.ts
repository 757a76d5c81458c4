// The `k6/execution` module for the node engine: facts about the running test, VU and scenario.
import { currentIteration } from "../runtime/iteration-context.ts";
import { currentTestRun } from "../runtime/test-run.ts";

function requireIteration(what: string) {
  const context = currentIteration();
  if (!context) throw new Error(`${what} is only available while a VU runs (not in the init context)`);
  return context;
}

export const scenario = {
  get name(): string {
    return requireIteration("exec.scenario").scenario?.config.name ?? "";
  },
  get executor(): string {
    return requireIteration("exec.scenario").scenario?.config.executor ?? "";
  },
  get startTime(): number {
    const state = requireIteration("exec.scenario").scenario;
    return state ? performance.timeOrigin + state.startedAt : 0;
  },
  get progress(): number {
    return requireIteration("exec.scenario").scenario?.progress() ?? 0;
  },
  get iterationInInstance(): number {
    return requireIteration("exec.scenario").scenarioIteration;
  },
  get iterationInTest(): number {
    return requireIteration("exec.scenario").testIteration;
  },
};

export const instance = {
  get iterationsInterrupted(): number {
    return 0;
  },
  get iterationsCompleted(): number {
    return currentTestRun().metrics.iterations.sink.samples;
  },
  get vusActive(): number {
    return currentTestRun().activeVus;
  },
  get vusInitialized(): number {
    return currentTestRun().initializedVus;
  },
  get currentTestRunDuration(): number {
    const run = currentTestRun();
    return run.startedAt === 0 ? 0 : performance.now() - run.startedAt;
  },
};

export const test = {
  /** Stops the whole test; k6 then exits with code 108. */
  abort(reason?: string): never {
    const message = `test aborted${reason ? `: ${reason}` : ""}`;
    currentTestRun().abort({ kind: "script", message });
    throw new Error(message);
  },
  /** Marks the test failed but lets it run on. */
  fail(reason?: string): void {
    currentTestRun().failedByScript = reason ?? "test.fail() called";
  },
  get options(): object {
    return currentTestRun().options;
  },
};

export const vu = {
  get idInInstance(): number {
    return requireIteration("exec.vu").vu.idInTest;
  },
  get idInTest(): number {
    return requireIteration("exec.vu").vu.idInTest;
  },
  get iterationInInstance(): number {
    return requireIteration("exec.vu").vu.iterationInInstance;
  },
  get iterationInScenario(): number {
    return requireIteration("exec.vu").vu.iterationInScenario;
  },
  get tags(): Record<string, string | number | boolean> {
    return requireIteration("exec.vu").vu.tags;
  },
  get metrics() {
    const tags = requireIteration("exec.vu").vu.tags;
    return { tags, metadata: {} };
  },
};

export default { scenario, instance, test, vu };
