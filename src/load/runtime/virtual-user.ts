import type { IterationContext, ScenarioState, VuState } from "./iteration-context.ts";
import { iterationContext } from "./iteration-context.ts";
import type { TestRun } from "./test-run.ts";

/** How an iteration ended: `interrupted` ones were cut off by the scenario's end and are not counted. */
export type IterationOutcome = "completed" | "failed" | "interrupted";

export type ScriptExports = Readonly<Record<string, unknown>>;

/**
 * One virtual user: its own instance of the script's module graph (loaded as `script?vu=N`)
 * and its own copy of the setup data, running one iteration at a time.
 */
export class VirtualUser {
  readonly state: VuState;
  readonly #run: TestRun;
  readonly #exports: ScriptExports;
  #setupData: unknown;

  private constructor(run: TestRun, state: VuState, exports: ScriptExports) {
    this.#run = run;
    this.state = state;
    this.#exports = exports;
  }

  /** Imports the script as VU `id`; its top level (the init context) runs now. */
  static async load(run: TestRun, scriptUrl: URL, id: number): Promise<VirtualUser> {
    const state: VuState = { idInTest: id, iterationInInstance: 0, iterationInScenario: 0, tags: {} };
    const url = new URL(scriptUrl);
    url.searchParams.set("vu", String(id));
    const exports = await iterationContext.run(initContext(state), () => import(url.href) as Promise<ScriptExports>);
    return new VirtualUser(run, state, exports);
  }

  get exports(): ScriptExports {
    return this.#exports;
  }

  /** Gives this VU its own copy of setup()'s result, passed through JSON as k6 passes it. */
  receiveSetupData(json: string | undefined): void {
    this.#setupData = json === undefined ? undefined : JSON.parse(json);
  }

  /**
   * Runs the scenario's function once. `intendedStartAt` (performance.now() time) is when an
   * arrival-rate schedule wanted it to start; lateness is charged to the iteration.
   */
  async iterate(scenario: ScenarioState, intendedStartAt?: number): Promise<IterationOutcome> {
    const run = this.#run;
    const startedAt = performance.now();
    const measuredFrom = intendedStartAt === undefined ? startedAt : Math.min(intendedStartAt, startedAt);
    const config = scenario.config;
    const scenarioIteration = scenario.iterationsStarted++;
    const context: IterationContext = {
      vu: this.state,
      scenario,
      iteration: this.state.iterationInScenario,
      scenarioIteration,
      testIteration: scenario.iterationInTest(scenarioIteration),
      schedule: { lagMs: startedAt - measuredFrom },
      groupPath: "",
      signal: scenario.hardStop,
      tags: scenario.iterationTags,
    };
    const body = this.#exports[config.exec] as (data: unknown) => unknown;
    let outcome: IterationOutcome = "completed";
    try {
      await iterationContext.run(context, () => body(this.#setupData));
    } catch (error) {
      if (scenario.hardStop.aborted || run.aborted.aborted) outcome = "interrupted";
      else {
        outcome = "failed";
        run.reportIterationError(error);
      }
    } finally {
      this.state.iterationInScenario++;
      this.state.iterationInInstance++;
    }
    if (outcome !== "interrupted") {
      const tags = context.tags;
      run.registry.add(run.metrics.iterations, 1, tags);
      run.registry.add(run.metrics.iterationDuration, performance.now() - measuredFrom, tags);
    }
    return outcome;
  }

  /** Runs setup() or teardown() as k6 does: outside any scenario, in group `::setup`/`::teardown`. */
  async runLifecycle(name: "setup" | "teardown", argument?: unknown): Promise<unknown> {
    const fn = this.#exports[name] as ((data?: unknown) => unknown) | undefined;
    if (typeof fn !== "function") return undefined;
    const context: IterationContext = {
      ...initContext(this.state),
      groupPath: `::${name}`,
      tags: { group: `::${name}` },
    };
    return iterationContext.run(context, () => fn(argument));
  }
}

function initContext(state: VuState): IterationContext {
  return {
    vu: state,
    scenario: undefined,
    iteration: 0,
    scenarioIteration: 0,
    testIteration: 0,
    schedule: { lagMs: 0 },
    groupPath: "",
    signal: undefined,
    tags: {},
  };
}
