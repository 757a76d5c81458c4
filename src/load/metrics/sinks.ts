import * as hdr from "hdr-histogram-js";
import type { Histogram } from "hdr-histogram-js";

/** The four k6 metric types; each aggregates its samples differently. */
export type MetricType = "counter" | "gauge" | "rate" | "trend";

// Trend values are recorded as integers in thousandths (microseconds for millisecond trends).
const TREND_SCALE = 1000;

/** Sums values (k6 Counter): `count` and `rate` per second of test time. */
export class CounterSink {
  readonly type = "counter";
  count = 0;
  samples = 0;
  add(value: number): void {
    this.count += value;
    this.samples++;
  }
}

/** Keeps the last value plus the extremes (k6 Gauge). */
export class GaugeSink {
  readonly type = "gauge";
  value = 0;
  min = Infinity;
  max = -Infinity;
  samples = 0;
  add(value: number): void {
    this.value = value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.samples++;
  }
}

/** Counts non-zero against zero values (k6 Rate): `rate` is the share of non-zero ones. */
export class RateSink {
  readonly type = "rate";
  passes = 0;
  fails = 0;
  get samples(): number {
    return this.passes + this.fails;
  }
  get rate(): number {
    const total = this.passes + this.fails;
    return total === 0 ? 0 : this.passes / total;
  }
  add(value: number): void {
    if (value !== 0) this.passes++;
    else this.fails++;
  }
}

/**
 * A k6 Trend whose percentiles come from HDR histograms (3 significant digits), so memory
 * stays bounded however many samples arrive; count, sum, min and max stay exact.
 * Negative values go to a second histogram of their magnitudes.
 */
export class TrendSink {
  readonly type = "trend";
  samples = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  readonly #positive: Histogram = newHistogram();
  #negative: Histogram | undefined;

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.samples++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value >= 0) this.#positive.recordValue(Math.round(value * TREND_SCALE));
    else (this.#negative ??= newHistogram()).recordValue(Math.round(-value * TREND_SCALE));
  }

  get avg(): number {
    return this.samples === 0 ? 0 : this.sum / this.samples;
  }

  /** The value below which `percent` % of the samples fall, clamped to the exact extremes. */
  percentile(percent: number): number {
    if (this.samples === 0) return 0;
    if (percent <= 0) return this.min;
    if (percent >= 100) return this.max;
    const negativeCount = this.#negative?.totalCount ?? 0;
    const rank = (percent / 100) * this.samples;
    let value: number;
    if (this.#negative && rank <= negativeCount) {
      // The r-th smallest value is the (count - r + 1)-th smallest magnitude among the negatives.
      const q = ((negativeCount - Math.ceil(rank) + 1) / negativeCount) * 100;
      value = -this.#negative.getValueAtPercentile(q) / TREND_SCALE;
    } else {
      const positiveCount = this.#positive.totalCount;
      const q = ((rank - negativeCount) / positiveCount) * 100;
      value = this.#positive.getValueAtPercentile(Math.min(100, q)) / TREND_SCALE;
    }
    return Math.min(this.max, Math.max(this.min, value));
  }

  get med(): number {
    return this.percentile(50);
  }

  /** Memory held by the histograms: it depends on the range of values, not on their number. */
  get footprintBytes(): number {
    return this.#positive.estimatedFootprintInBytes + (this.#negative?.estimatedFootprintInBytes ?? 0);
  }
}

function newHistogram(): Histogram {
  return hdr.build({ bitBucketSize: 64, autoResize: true, numberOfSignificantValueDigits: 3 });
}

export type MetricSink = CounterSink | GaugeSink | RateSink | TrendSink;

export function newSink(type: MetricType): MetricSink {
  switch (type) {
    case "counter":
      return new CounterSink();
    case "gauge":
      return new GaugeSink();
    case "rate":
      return new RateSink();
    case "trend":
      return new TrendSink();
  }
}
