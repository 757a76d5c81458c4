import type { Stage } from "../options/scenarios.ts";

/**
 * When each iteration of a constant arrival rate is due, in ms from the scenario's start:
 * iteration i at i × timeUnit / rate.
 */
export function* constantArrivals(rate: number, timeUnitMs: number, durationMs: number): Generator<number> {
  if (rate <= 0) return;
  const interval = timeUnitMs / rate;
  for (let i = 0; ; i++) {
    const due = i * interval;
    if (due >= durationMs) return;
    yield due;
  }
}

/**
 * When each iteration of a ramping arrival rate is due: the rate moves linearly through the
 * stages, and iteration k is due when the integral of the rate reaches k.
 */
export function* rampingArrivals(startRate: number, timeUnitMs: number, stages: readonly Stage[]): Generator<number> {
  let stageStart = 0;
  let arrivedBefore = 0;
  let from = startRate / timeUnitMs;
  let next = 0;
  for (const stage of stages) {
    const to = stage.target / timeUnitMs;
    const span = stage.durationMs;
    const inStage = ((from + to) / 2) * span;
    // Within the stage: arrivals(τ) = from·τ + (to − from)·τ² / (2·span).
    const curvature = span > 0 ? (to - from) / (2 * span) : 0;
    while (next < arrivedBefore + inStage) {
      const needed = next - arrivedBefore;
      let tau: number;
      if (Math.abs(curvature) < 1e-15) tau = from > 0 ? needed / from : span;
      else tau = (-from + Math.sqrt(Math.max(0, from * from + 4 * curvature * needed))) / (2 * curvature);
      if (tau >= span) break;
      yield stageStart + tau;
      next++;
    }
    arrivedBefore += inStage;
    stageStart += span;
    from = to;
  }
}
