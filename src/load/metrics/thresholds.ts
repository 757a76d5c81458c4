import type { MetricSink } from "./sinks.ts";
import type { Metric, MetricRegistry, SampleTags } from "./registry.ts";
import { parseDuration } from "../options/duration.ts";

/** One threshold as written in `options.thresholds`: a string or k6's object form. */
export type ThresholdSpec =
  | string
  | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

export interface Threshold {
  /** The metric key as written, e.g. `http_req_duration{scenario:send}`. */
  readonly metricKey: string;
  /** The expression as written, e.g. `p(95)<200`; also its key in the summary. */
  readonly source: string;
  readonly aggregation: string;
  readonly operator: string;
  readonly bound: number;
  readonly abortOnFail: boolean;
  readonly delayAbortEvalMs: number;
  readonly sink: MetricSink;
}

const EXPRESSION = /^\s*(avg|min|max|med|count|rate|value|p\(\s*(\d+(?:\.\d+)?)\s*\))\s*(<=|>=|<|>|===|==|!=)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/;
const METRIC_KEY = /^([^{}]+?)(?:\{([^{}]*)\})?$/;

// Which aggregations each metric type offers, as k6 validates them.
const AGGREGATIONS: Record<Metric["type"], readonly string[]> = {
  counter: ["count", "rate"],
  gauge: ["value"],
  rate: ["rate"],
  trend: ["avg", "min", "max", "med", "p"],
};

/** Parses every threshold against the declared metrics; a mistake names the threshold and the fix. */
export function parseThresholds(
  spec: Record<string, ThresholdSpec[] | ThresholdSpec> | undefined,
  registry: MetricRegistry,
): Threshold[] {
  const thresholds: Threshold[] = [];
  for (const [metricKey, entries] of Object.entries(spec ?? {})) {
    const keyMatch = METRIC_KEY.exec(metricKey.trim());
    if (!keyMatch) throw new Error(`threshold key "${metricKey}" is not "metric" or "metric{tag:value}"`);
    const name = keyMatch[1]!.trim();
    const metric = registry.get(name);
    if (!metric) {
      throw new Error(
        `threshold on "${metricKey}" names no metric: "${name}" is neither built in nor declared at the script's top level`,
      );
    }
    const tags = parseTags(keyMatch[2], metricKey);
    const sink = tags ? registry.submetric(metric, tags).sink : metric.sink;
    for (const entry of Array.isArray(entries) ? entries : [entries]) {
      const source = typeof entry === "string" ? entry : entry.threshold;
      const match = EXPRESSION.exec(source);
      if (!match) {
        throw new Error(
          `threshold "${source}" on ${metricKey} is not "<aggregation> <operator> <number>", e.g. "p(95)<200" or "rate<0.01"`,
        );
      }
      const aggregation = match[2] !== undefined ? `p(${match[2]})` : match[1]!;
      const family = match[2] !== undefined ? "p" : aggregation;
      if (!AGGREGATIONS[metric.type].includes(family)) {
        throw new Error(
          `threshold "${source}" uses ${aggregation} on ${metric.type} metric ${name}; a ${metric.type} offers ` +
            AGGREGATIONS[metric.type].map((a) => (a === "p" ? "p(N)" : a)).join(", "),
        );
      }
      thresholds.push({
        metricKey,
        source,
        aggregation,
        operator: match[3]!,
        bound: Number(match[4]),
        abortOnFail: typeof entry === "object" && entry.abortOnFail === true,
        delayAbortEvalMs:
          typeof entry === "object" && entry.delayAbortEval ? parseDuration(entry.delayAbortEval) : 0,
        sink,
      });
    }
  }
  return thresholds;
}

function parseTags(text: string | undefined, metricKey: string): SampleTags | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const tags: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const colon = pair.indexOf(":");
    if (colon <= 0) throw new Error(`threshold key "${metricKey}": tag "${pair}" is not "name:value"`);
    tags[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  }
  return tags;
}

/** The aggregated value a threshold compares; `testDurationMs` turns counts into rates. */
export function aggregate(sink: MetricSink, aggregation: string, testDurationMs: number): number {
  switch (sink.type) {
    case "counter":
      return aggregation === "count" ? sink.count : testDurationMs > 0 ? sink.count / (testDurationMs / 1000) : 0;
    case "gauge":
      return sink.samples === 0 ? 0 : sink.value;
    case "rate":
      return sink.rate;
    case "trend": {
      if (aggregation === "avg") return sink.avg;
      if (aggregation === "min") return sink.samples === 0 ? 0 : sink.min;
      if (aggregation === "max") return sink.samples === 0 ? 0 : sink.max;
      if (aggregation === "med") return sink.med;
      return sink.percentile(Number(aggregation.slice(2, -1)));
    }
  }
}

/** Whether the threshold holds now. */
export function thresholdPasses(threshold: Threshold, testDurationMs: number): boolean {
  const value = aggregate(threshold.sink, threshold.aggregation, testDurationMs);
  switch (threshold.operator) {
    case "<":
      return value < threshold.bound;
    case "<=":
      return value <= threshold.bound;
    case ">":
      return value > threshold.bound;
    case ">=":
      return value >= threshold.bound;
    case "==":
    case "===":
      return value === threshold.bound;
    default:
      return value !== threshold.bound;
  }
}
