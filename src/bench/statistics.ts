import { seededRandom } from "./seeded-random.ts";

// Confidence intervals for what a bench compares. The repeats of one side are few and not
// normally distributed, so intervals come from the percentile bootstrap, with a seeded generator
// so that the same results.json always gives the same report.

/** An estimate with its 95% (or `confidence`) interval, from `n` values. */
export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
  readonly n: number;
}

export type Verdict = "better" | "worse" | "no difference" | "too few repeats";

export interface BootstrapOptions {
  readonly resamples?: number;
  readonly confidence?: number;
  readonly seed?: number;
}

const DEFAULT_RESAMPLES = 4000;

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function resampledMean(values: readonly number[], random: () => number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[Math.floor(random() * values.length)] as number;
  return sum / values.length;
}

function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return (sorted[below] as number) + ((sorted[above] as number) - (sorted[below] as number)) * (position - below);
}

function interval(estimate: number, draws: number[], n: number, confidence: number): Interval {
  draws.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { estimate, low: quantile(draws, tail), high: quantile(draws, 1 - tail), n };
}

function finite(values: readonly (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null && Number.isFinite(v));
}

/** The mean of one side's repeats with its bootstrap interval; null without values. */
export function meanInterval(values: readonly (number | null)[], options: BootstrapOptions = {}): Interval | null {
  const xs = finite(values);
  if (xs.length === 0) return null;
  const random = seededRandom(options.seed ?? 1);
  const draws = Array.from({ length: options.resamples ?? DEFAULT_RESAMPLES }, () => resampledMean(xs, random));
  return interval(mean(xs), draws, xs.length, options.confidence ?? 0.95);
}

/**
 * mean(numerator) / mean(denominator) with its bootstrap interval: each side's repeats are
 * resampled on their own, as the two sides ran in separate environments. Null when a side has
 * no values or a resampled denominator can be 0.
 */
export function ratioInterval(
  numerator: readonly (number | null)[],
  denominator: readonly (number | null)[],
  options: BootstrapOptions = {},
): Interval | null {
  const top = finite(numerator);
  const bottom = finite(denominator);
  if (top.length === 0 || bottom.length === 0 || bottom.some((v) => v === 0)) return null;
  const random = seededRandom(options.seed ?? 1);
  const draws = Array.from({ length: options.resamples ?? DEFAULT_RESAMPLES }, () => resampledMean(top, random) / resampledMean(bottom, random));
  return interval(mean(top) / mean(bottom), draws, Math.min(top.length, bottom.length), options.confidence ?? 0.95);
}

/**
 * What a ratio's interval says of the numerator: better when the whole interval is on the good
 * side of 1 (below it for latency, above for throughput), worse when on the bad side, no
 * difference when it holds 1. Fewer than 3 repeats a side say nothing: every resample is one of
 * a handful of values.
 */
export function verdictOf(ratio: Interval | null, lowerIsBetter: boolean): Verdict {
  if (!ratio || ratio.n < 3) return "too few repeats";
  if (ratio.high < 1) return lowerIsBetter ? "better" : "worse";
  if (ratio.low > 1) return lowerIsBetter ? "worse" : "better";
  return "no difference";
}

/** Relative width of an interval, (high − low) / estimate: what `--precision` bounds. */
export function relativeWidth(ratio: Interval): number {
  return ratio.estimate === 0 ? Number.POSITIVE_INFINITY : (ratio.high - ratio.low) / Math.abs(ratio.estimate);
}
