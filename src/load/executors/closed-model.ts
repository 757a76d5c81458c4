// Closed-model executors: a fixed or ramping number of VUs, each starting its next iteration
// when the previous one ends. Their throughput depends on the server, so they measure peak
// throughput, not latency under a given load.
import { iterationShare, type ScenarioConfig, type Stage } from "../options/scenarios.ts";
import type { ScenarioExecution } from "./executor.ts";
import { drain, pause, stopping } from "./executor.ts";

type Config<E extends ScenarioConfig["executor"]> = Extract<ScenarioConfig, { executor: E }>;

export async function runConstantVus(execution: ScenarioExecution<Config<"constant-vus">>): Promise<void> {
  const { run, config, state, vus } = execution;
  const endsAt = state.startedAt + config.durationMs;
  run.activeVus += vus.length;
  const loops = vus.map(async (vu) => {
    while (!stopping(run, endsAt)) await vu.iterate(state);
  });
  await drain(execution, Promise.all(loops), endsAt + config.gracefulStopMs);
  run.activeVus -= vus.length;
}

export async function runPerVuIterations(execution: ScenarioExecution<Config<"per-vu-iterations">>): Promise<void> {
  const { run, config, state, vus } = execution;
  const endsAt = state.startedAt + config.maxDurationMs;
  let started = 0;
  run.activeVus += vus.length;
  const loops = vus.map(async (vu) => {
    for (let i = 0; i < config.iterations && !stopping(run, endsAt); i++) {
      started++;
      await vu.iterate(state);
    }
  });
  await drain(execution, Promise.all(loops), endsAt + config.gracefulStopMs);
  run.activeVus -= vus.length;
  // Iterations never started are dropped; one cut off by the graceful stop is interrupted instead.
  recordDropped(execution, config.iterations * vus.length - started);
}

export async function runSharedIterations(execution: ScenarioExecution<Config<"shared-iterations">>): Promise<void> {
  const { run, config, state, vus, segment } = execution;
  const endsAt = state.startedAt + config.maxDurationMs;
  // As in k6, the iterations are split the way the VUs are: among the segments that got VUs.
  const iterations = iterationShare(config, segment)?.scale(config.iterations) ?? 0;
  let claimed = 0;
  run.activeVus += vus.length;
  const loops = vus.map(async (vu) => {
    while (claimed < iterations && !stopping(run, endsAt)) {
      claimed++;
      await vu.iterate(state);
    }
  });
  await drain(execution, Promise.all(loops), endsAt + config.gracefulStopMs);
  run.activeVus -= vus.length;
  recordDropped(execution, iterations - claimed);
}

/** VUs ramp linearly between stage targets; a VU above the target finishes its iteration and waits. */
export async function runRampingVus(execution: ScenarioExecution<Config<"ramping-vus">>): Promise<void> {
  const { run, config, state, vus, segment } = execution;
  const totalMs = config.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  const endsAt = state.startedAt + totalMs;
  const loops = vus.map(async (vu, index) => {
    let active = false;
    while (!stopping(run, endsAt)) {
      const wanted = index < segment.scale(targetVus(config.startVUs, config.stages, performance.now() - state.startedAt));
      if (wanted !== active) {
        run.activeVus += wanted ? 1 : -1;
        active = wanted;
      }
      if (wanted) await vu.iterate(state);
      else await pause(Math.min(50, endsAt - performance.now()), run);
    }
    if (active) run.activeVus--;
  });
  await drain(execution, Promise.all(loops), endsAt + config.gracefulRampDownMs);
}

/** The VU count a ramp asks for `elapsedMs` after its start. */
export function targetVus(startVUs: number, stages: readonly Stage[], elapsedMs: number): number {
  let from = startVUs;
  let stageStart = 0;
  for (const stage of stages) {
    if (elapsedMs < stageStart + stage.durationMs) {
      const share = stage.durationMs === 0 ? 1 : (elapsedMs - stageStart) / stage.durationMs;
      return Math.round(from + (stage.target - from) * share);
    }
    stageStart += stage.durationMs;
    from = stage.target;
  }
  return from;
}

function recordDropped(execution: ScenarioExecution, count: number): void {
  if (count <= 0) return;
  const { run, config } = execution;
  run.registry.add(run.metrics.droppedIterations, count, { ...config.tags, scenario: config.name });
}
