import type { MetricSink, MetricType } from "./sinks.ts";
import { newSink } from "./sinks.ts";

/** Tags attached to one sample, as k6 attaches `method`, `status`, `scenario`, … */
export type SampleTags = Readonly<Record<string, string>>;

/** A metric restricted to samples carrying given tags, as `http_req_duration{scenario:send}`. */
export interface Submetric {
  readonly key: string;
  readonly tags: SampleTags;
  readonly sink: MetricSink;
}

export interface Metric {
  readonly name: string;
  readonly type: MetricType;
  /** Whether values are durations in milliseconds (k6's `isTime`), which changes how they print. */
  readonly isTime: boolean;
  readonly sink: MetricSink;
  readonly submetrics: Submetric[];
}

const METRIC_NAME = /^[\p{L}\p{N}._!?/&#()<> %-]{1,128}$/u;

/** Every metric of one test run by name; the built-in and the script's custom ones alike. */
export class MetricRegistry {
  readonly #metrics = new Map<string, Metric>();

  /** Declares a metric; declaring it again with the same type returns the existing one (every VU does). */
  declare(name: string, type: MetricType, isTime = false): Metric {
    const existing = this.#metrics.get(name);
    if (existing) {
      if (existing.type !== type) {
        throw new Error(
          `metric "${name}" is already a ${existing.type}; it cannot also be a ${type}. Give the ${type} another name.`,
        );
      }
      return existing;
    }
    if (!METRIC_NAME.test(name)) {
      throw new Error(`metric name "${name}" is not valid: use 1-128 letters, digits or ._!?/&#()<> %-`);
    }
    const metric: Metric = { name, type, isTime, sink: newSink(type), submetrics: [] };
    this.#metrics.set(name, metric);
    return metric;
  }

  get(name: string): Metric | undefined {
    return this.#metrics.get(name);
  }

  all(): Metric[] {
    return [...this.#metrics.values()];
  }

  /** The submetric for a threshold key such as `http_req_duration{status:200}`, created on first use. */
  submetric(metric: Metric, tags: SampleTags): Submetric {
    const key = submetricKey(metric.name, tags);
    const existing = metric.submetrics.find((s) => s.key === key);
    if (existing) return existing;
    const submetric: Submetric = { key, tags, sink: newSink(metric.type) };
    metric.submetrics.push(submetric);
    return submetric;
  }

  /** Records one sample into its metric and into every submetric whose tags it carries. */
  add(metric: Metric, value: number, tags?: SampleTags): void {
    metric.sink.add(value);
    for (const submetric of metric.submetrics) {
      if (tags && matches(tags, submetric.tags)) submetric.sink.add(value);
    }
  }
}

function matches(sample: SampleTags, wanted: SampleTags): boolean {
  for (const key in wanted) if (sample[key] !== wanted[key]) return false;
  return true;
}

export function submetricKey(name: string, tags: SampleTags): string {
  const parts = Object.entries(tags).map(([key, value]) => `${key}:${value}`);
  return `${name}{${parts.join(",")}}`;
}
