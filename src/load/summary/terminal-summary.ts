import { percentileSupported } from "../metrics/percentiles.ts";
import type { ExportedGroup, ExportedMetric, SummaryExport } from "./summary-export.ts";

// Built-in trends that hold milliseconds. The summary export does not say which custom trends
// are times, so those print as milliseconds only when the caller knows (`timeMetrics`).
const TIME_METRIC = /^(http_req_[a-z_]+|iteration_duration|group_duration)(\{|$)/;

export interface TerminalSummaryOptions {
  readonly color?: boolean;
  /** Custom trends declared as times (`new Trend(name, true)`). */
  readonly timeMetrics?: ReadonlySet<string>;
}

/** The end-of-test summary for a terminal, from a summary export of either engine. */
export function renderTerminalSummary(summary: SummaryExport, options: TerminalSummaryOptions = {}): string {
  const color = options.color ?? false;
  const timeMetrics = options.timeMetrics ?? new Set<string>();
  const green = (text: string): string => (color ? `\x1b[32m${text}\x1b[0m` : text);
  const red = (text: string): string => (color ? `\x1b[31m${text}\x1b[0m` : text);
  const lines: string[] = [];

  const checkLines = renderChecks(summary.root_group, "", green, red);
  if (checkLines.length > 0) lines.push(...checkLines, "");

  const names = Object.keys(summary.metrics).sort();
  const width = Math.max(30, ...names.map((name) => name.length + 4));
  for (const name of names) {
    const metric = summary.metrics[name]!;
    const thresholds = metric.thresholds ?? {};
    const failed = Object.values(thresholds).some(Boolean);
    const mark = Object.keys(thresholds).length === 0 ? " " : failed ? red("✗") : green("✓");
    const isTime = TIME_METRIC.test(name) || timeMetrics.has(name.replace(/\{.*$/, ""));
    lines.push(`${mark} ${`${name}`.padEnd(width, ".")}: ${renderValues(name, metric, isTime)}`);
    for (const [source, didFail] of Object.entries(thresholds)) {
      lines.push(`    ${didFail ? red(`✗ ${source} failed`) : green(`✓ ${source}`)}`);
    }
  }
  return lines.join("\n");
}

function renderChecks(group: ExportedGroup, indent: string, green: (t: string) => string, red: (t: string) => string): string[] {
  const lines: string[] = [];
  for (const check of Object.values(group.checks)) {
    const total = check.passes + check.fails;
    const line = `${check.name} (${check.passes}/${total})`;
    lines.push(`${indent}${check.fails === 0 ? green(`✓ ${line}`) : red(`✗ ${line}`)}`);
  }
  for (const child of Object.values(group.groups)) {
    lines.push(`${indent}█ ${child.name}`, ...renderChecks(child, `${indent}  `, green, red));
  }
  return lines;
}

function renderValues(name: string, metric: ExportedMetric, isTime: boolean): string {
  const value = (key: string): number => metric[key] as number;
  if ("passes" in metric) {
    const total = value("passes") + value("fails");
    return `${(value("value") * 100).toFixed(2)}% ${value("passes")} of ${total}`;
  }
  if ("count" in metric && "rate" in metric) {
    const bytes = name.startsWith("data_");
    return `${bytes ? formatBytes(value("count")) : value("count")} ${bytes ? `${formatBytes(value("rate"))}/s` : `${value("rate").toFixed(2)}/s`}`;
  }
  if ("value" in metric && !("avg" in metric)) {
    return `${value("value")} min=${value("min")} max=${value("max")}`;
  }
  const samples = typeof metric.count === "number" ? metric.count : undefined;
  return Object.keys(metric)
    .filter((key) => key !== "thresholds")
    .map((key) => {
      const quantile = quantileOf(key);
      if (samples !== undefined && quantile !== undefined && !percentileSupported(quantile, samples)) return `${key}=n/a`;
      return `${key}=${isTime && key !== "count" ? formatMs(value(key)) : round(value(key))}`;
    })
    .join(" ");
}

/** The quantile a trend statistic names: `med` 0.5, `p(99)` 0.99; undefined for the others. */
function quantileOf(stat: string): number | undefined {
  if (stat === "med") return 0.5;
  const match = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
  return match ? Number(match[1]) / 100 : undefined;
}


function formatMs(ms: number): string {
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(2)}m`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms >= 1) return `${ms.toFixed(2)}ms`;
  return `${(ms * 1000).toFixed(0)}µs`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes.toFixed(0)} B`;
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}
