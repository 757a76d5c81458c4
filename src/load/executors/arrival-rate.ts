// Open-model executors: iterations start on a schedule whatever the server does, so a slow
// server shows up as latency (measured from each iteration's due time) or as dropped
// iterations when every VU is busy, never as a quietly lower request rate.
import type { ExecutionTuple } from "../options/execution-segment.ts";
import { iterationShare, vuBounds, type ScenarioConfig } from "../options/scenarios.ts";
import type { VirtualUser } from "../runtime/virtual-user.ts";
import { constantArrivals, rampingArrivals } from "./arrival-schedule.ts";
import type { ScenarioExecution } from "./executor.ts";
import { drain, pause } from "./executor.ts";
import { VuPool } from "./vu-pool.ts";

type Config<E extends ScenarioConfig["executor"]> = Extract<ScenarioConfig, { executor: E }>;

export function runConstantArrivalRate(execution: ScenarioExecution<Config<"constant-arrival-rate">>): Promise<void> {
  const { config } = execution;
  return runArrivals(execution, constantArrivals(config.rate, config.timeUnitMs, config.durationMs), config.durationMs);
}

export function runRampingArrivalRate(execution: ScenarioExecution<Config<"ramping-arrival-rate">>): Promise<void> {
  const { config } = execution;
  const durationMs = config.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  return runArrivals(execution, rampingArrivals(config.startRate, config.timeUnitMs, config.stages), durationMs);
}

async function runArrivals(
  execution: ScenarioExecution,
  schedule: Iterable<number>,
  durationMs: number,
): Promise<void> {
  const { run, config, state, segment } = execution;
  const pool = new VuPool([...execution.vus], vuBounds(config, segment).max, async () => {
    const vu = await execution.createVu();
    run.activeVus++;
    return vu;
  });
  run.activeVus += execution.vus.length;
  const endsAt = state.startedAt + durationMs;
  const inFlight = new Set<Promise<void>>();
  const droppedTags = { ...config.tags, scenario: config.name };
  // As in k6, the whole test's iterations are striped over the segments that got VUs.
  const share = iterationShare(config, segment);
  for (const offset of share ? ownIterations(schedule, share) : []) {
    const dueAt = state.startedAt + offset;
    await pause(dueAt - performance.now(), run);
    // Only an abort ends the schedule early: iterations overdue after a stall still start.
    if (run.aborted.aborted) break;
    const vu = pool.acquire();
    if (!vu) {
      run.registry.add(run.metrics.droppedIterations, 1, droppedTags);
      continue;
    }
    // After a stall, every overdue iteration starts at once, each charged from its due time.
    const iteration: Promise<void> = startIteration(vu, execution, dueAt, pool).finally(() => inFlight.delete(iteration));
    inFlight.add(iteration);
  }
  await drain(execution, Promise.all([...inFlight]), endsAt + config.gracefulStopMs);
  await pool.settled();
  run.activeVus -= pool.all;
}

async function startIteration(vu: VirtualUser, execution: ScenarioExecution, dueAt: number, pool: VuPool): Promise<void> {
  try {
    await vu.iterate(execution.state, dueAt);
  } finally {
    pool.release(vu);
  }
}

/** The due times of the iterations of the whole test's schedule that this segment runs. */
export function* ownIterations(schedule: Iterable<number>, segment: ExecutionTuple): Generator<number> {
  if (segment.whole) return yield* schedule;
  const owned = segment.indices();
  let next = owned.next().value as number;
  let index = 0;
  for (const due of schedule) {
    if (index++ !== next) continue;
    yield due;
    next = owned.next().value as number;
  }
}
