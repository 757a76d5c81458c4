// One seeded generator for everything a bench derives from its seed: bootstrap resamples and
// the workload plan. The same seed gives the same sequence on every machine.

/** mulberry32: a small, fast generator whose sequence a seed fixes; values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [low, high], both included. */
export function seededInt(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}
