import type { MetricSink } from "../metrics/sinks.ts";
import type { Threshold } from "../metrics/thresholds.ts";
import { thresholdPasses } from "../metrics/thresholds.ts";
import type { GroupNode } from "../runtime/group-tree.ts";

/**
 * The JSON that `k6 run --summary-export FILE` writes, which the node engine writes too, so
 * one reader handles both. Trend keys follow summaryTrendStats (k6's default: avg, min, med,
 * max, p(90), p(95)); time values are milliseconds. In `thresholds`, k6 writes `true` for a
 * threshold that FAILED.
 */
export interface SummaryExport {
  root_group: ExportedGroup;
  metrics: Record<string, ExportedMetric>;
}

export interface ExportedGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, ExportedGroup>;
  checks: Record<string, { name: string; path: string; id: string; passes: number; fails: number }>;
}

export type ExportedMetric = Record<string, number | Record<string, boolean>> & {
  thresholds?: Record<string, boolean>;
};

export const DEFAULT_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)"] as const;

export interface SummaryInput {
  readonly metrics: readonly { name: string; sink: MetricSink; submetrics: readonly { key: string; sink: MetricSink }[] }[];
  readonly thresholds: readonly Threshold[];
  readonly rootGroup: GroupNode;
  readonly testDurationMs: number;
  readonly trendStats?: readonly string[];
}

export function buildSummaryExport(input: SummaryInput): SummaryExport {
  const trendStats = input.trendStats ?? DEFAULT_TREND_STATS;
  const metrics: Record<string, ExportedMetric> = {};
  const thresholdsByKey = new Map<string, Threshold[]>();
  for (const threshold of input.thresholds) {
    const key = normalizedKey(threshold.metricKey);
    thresholdsByKey.set(key, [...(thresholdsByKey.get(key) ?? []), threshold]);
  }
  const emit = (key: string, sink: MetricSink): void => {
    const thresholds = thresholdsByKey.get(key);
    if (sink.samples === 0 && !thresholds) return;
    const exported = exportSink(sink, input.testDurationMs, trendStats);
    if (thresholds) {
      exported.thresholds = Object.fromEntries(thresholds.map((t) => [t.source, !thresholdPasses(t, input.testDurationMs)]));
    }
    metrics[key] = exported;
  };
  for (const metric of input.metrics) {
    emit(metric.name, metric.sink);
    for (const submetric of metric.submetrics) emit(submetric.key, submetric.sink);
  }
  return { root_group: exportGroup(input.rootGroup), metrics };
}

function exportSink(sink: MetricSink, testDurationMs: number, trendStats: readonly string[]): ExportedMetric {
  switch (sink.type) {
    case "counter":
      return { count: sink.count, rate: testDurationMs > 0 ? sink.count / (testDurationMs / 1000) : 0 };
    case "gauge":
      return sink.samples === 0 ? { value: 0, min: 0, max: 0 } : { value: sink.value, min: sink.min, max: sink.max };
    case "rate":
      return { passes: sink.passes, fails: sink.fails, value: sink.rate };
    case "trend": {
      const exported: ExportedMetric = {};
      for (const stat of trendStats) exported[stat] = trendStat(sink, stat);
      return exported;
    }
  }
}

function trendStat(sink: Extract<MetricSink, { type: "trend" }>, stat: string): number {
  if (stat === "avg") return sink.avg;
  if (stat === "min") return sink.samples === 0 ? 0 : sink.min;
  if (stat === "max") return sink.samples === 0 ? 0 : sink.max;
  if (stat === "med") return sink.med;
  if (stat === "count") return sink.samples;
  const percentile = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
  if (percentile) return sink.percentile(Number(percentile[1]));
  throw new Error(`summary trend stat "${stat}" is not one of avg, min, med, max, count, p(N)`);
}

function exportGroup(group: GroupNode): ExportedGroup {
  return {
    name: group.name,
    path: group.path,
    id: group.id,
    groups: Object.fromEntries([...group.groups].map(([name, child]) => [name, exportGroup(child)])),
    checks: Object.fromEntries([...group.checks].map(([name, check]) => [name, { ...check }])),
  };
}

// Thresholds may write `metric{ tag: value }`; the summary keys submetrics without spaces.
function normalizedKey(metricKey: string): string {
  return metricKey.replace(/\s+/g, "");
}
