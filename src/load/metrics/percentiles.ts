// When a percentile of a sample set means something, for every report that shows one.

/**
 * Whether `samples` measurements support a percentile: at least 10 of them lie beyond it, so it is
 * not just the maximum of a few. With 30 samples p95 and p99 would both be the largest one.
 */
export function percentileSupported(quantile: number, samples: number): boolean {
  return samples * (1 - quantile) >= 10 - 1e-9;
}
