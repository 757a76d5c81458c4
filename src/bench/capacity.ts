import { UserError } from "../errors/user-error.ts";
import { percentileSupported } from "../load/metrics/percentiles.ts";

// Capacity search: the highest open arrival rate at which a scenario's latency percentile stays
// under a service-level objective. Exponential ramp until a step fails, then bisection between
// the last rate that held and the first that did not; bounded in steps and in time.

/** `p99<500ms`: the latency percentile that must stay under the threshold. */
export interface Slo {
  readonly quantile: number;
  /** The summary statistic that holds it, e.g. `p(99)`. */
  readonly stat: string;
  readonly thresholdMs: number;
  readonly text: string;
}

export function parseSlo(text: string): Slo {
  const match = /^p(\d{1,2}(?:\.\d+)?)\s*<\s*(\d+(?:\.\d+)?)\s*(ms|s)$/.exec(text.trim());
  if (!match) throw new UserError(`--slo ${text}: expected a latency percentile under a threshold, e.g. p99<500ms or p95<1s`);
  const percentile = Number(match[1]);
  if (!(percentile > 0 && percentile < 100)) throw new UserError(`--slo ${text}: the percentile must be between 0 and 100`);
  const thresholdMs = Number(match[2]) * (match[3] === "s" ? 1000 : 1);
  if (!(thresholdMs > 0)) throw new UserError(`--slo ${text}: the threshold must be above 0`);
  return { quantile: percentile / 100, stat: `p(${match[1]})`, thresholdMs, text: `p${match[1]}<${thresholdMs}ms` };
}

/** What one constant-arrival-rate step measured. */
export interface StepMeasurement {
  /** The SLO's percentile of the scenario's headline latency; null when nothing completed. */
  readonly latencyMs: number | null;
  readonly samples: number;
  readonly achievedRate: number | null;
  readonly droppedIterations: number;
  /** Share of requests that failed, 0–100. */
  readonly failedPercent: number;
}

export interface CapacityStep extends StepMeasurement {
  readonly rate: number;
  readonly phase: "ramp" | "bisect";
  readonly withinSlo: boolean;
  /** Why the step failed, or a caveat on a passing one (too few samples for the percentile). */
  readonly note: string;
}

export interface CapacitySearchOptions {
  readonly startRate: number;
  readonly maxRate: number;
  /** Factor of the ramp between steps. */
  readonly growth: number;
  readonly maxSteps: number;
  /** Bisection stops once the gap between holding and failing rates is within this share of the failing one. */
  readonly precision: number;
  readonly budgetMs: number;
  /** Expected wall time of one step, to stop before the budget is overrun. */
  readonly stepMs: number;
}

export interface CapacityResult {
  /** The highest rate that held the SLO; null when even the lowest tried did not. */
  readonly capacity: number | null;
  /** The lowest rate that did not, when one was found. */
  readonly failedAt: number | null;
  readonly steps: CapacityStep[];
  readonly stopped: string;
}

// The share of offered iterations that may be dropped or fail before a step counts as overloaded.
const TOLERATED_LOSS = 0.01;

/** Whether a step held the objective, and if not, why. */
export function judgeStep(rate: number, m: StepMeasurement, slo: Slo, durationS: number): { withinSlo: boolean; note: string } {
  if (m.latencyMs === null || m.samples === 0) return { withinSlo: false, note: "nothing completed" };
  const offered = rate * durationS;
  if (m.droppedIterations > Math.max(1, offered * TOLERATED_LOSS)) return { withinSlo: false, note: `${m.droppedIterations} iterations dropped: the load generator could not keep up with the server` };
  if (m.failedPercent > TOLERATED_LOSS * 100) return { withinSlo: false, note: `${m.failedPercent.toFixed(1)}% of requests failed` };
  const percentile = `p${(slo.quantile * 100).toString()}`;
  if (m.latencyMs > slo.thresholdMs) return { withinSlo: false, note: `${percentile} ${m.latencyMs.toFixed(0)} ms over ${slo.thresholdMs} ms` };
  const caveat = percentileSupported(slo.quantile, m.samples) ? "" : `${percentile} from ${m.samples} samples: fewer than 10 lie beyond it`;
  return { withinSlo: true, note: caveat };
}

function roundRate(rate: number): number {
  return rate >= 10 ? Math.round(rate) : Math.max(0.1, Math.round(rate * 10) / 10);
}

/** Runs the search; `measure` runs one step at a rate and reports what it measured. */
export async function searchCapacity(
  measure: (rate: number) => Promise<StepMeasurement>,
  slo: Slo,
  options: CapacitySearchOptions & { durationS: number },
  now: () => number = Date.now,
): Promise<CapacityResult> {
  const started = now();
  const steps: CapacityStep[] = [];
  let good: number | null = null;
  let bad: number | null = null;
  const step = async (rate: number, phase: CapacityStep["phase"]) => {
    const m = await measure(rate);
    const judged = judgeStep(rate, m, slo, options.durationS);
    steps.push({ rate, phase, ...m, ...judged });
    if (judged.withinSlo) good = Math.max(good ?? 0, rate);
    else bad = Math.min(bad ?? Number.POSITIVE_INFINITY, rate);
    return judged.withinSlo;
  };
  const outOfTime = () => now() - started + options.stepMs > options.budgetMs;
  let rate = roundRate(options.startRate);
  let stopped = "";
  while (!stopped) {
    if (steps.length >= options.maxSteps) stopped = `reached ${options.maxSteps} steps`;
    else if (outOfTime()) stopped = `the next step would overrun the time budget (${Math.round(options.budgetMs / 1000)} s)`;
    else if (bad === null) {
      const held = await step(rate, "ramp");
      if (held && rate >= options.maxRate) stopped = `held the objective at the highest rate allowed (${options.maxRate}/s)`;
      rate = roundRate(Math.min(rate * options.growth, options.maxRate));
    } else {
      const low: number = good ?? 0;
      const high: number = bad;
      const next = roundRate((low + high) / 2);
      if (good === null && next >= high) stopped = `no rate held, down to ${high}/s`;
      else if ((high - low) / high <= options.precision || next <= low || next >= high) stopped = `holding and failing rates within ${(options.precision * 100).toFixed(0)}% of each other`;
      else await step(next, "bisect");
    }
  }
  return { capacity: good, failedAt: bad, steps, stopped };
}
