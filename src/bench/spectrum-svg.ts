import { percentileSupported } from "../load/metrics/percentiles.ts";
import type { BenchRun } from "./results.ts";

// The latency percentile spectrum, as HdrHistogram plots it: the percentile on a log-scaled axis
// (0, 90, 99, 99.9, 99.99: each step is ten times rarer), so the tail gets as much room as the median.

export interface SpectrumPoint {
  readonly quantile: number;
  readonly valueMs: number;
}

export interface SpectrumSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly SpectrumPoint[];
}

const STATS: [string, number][] = [["min", 0], ["med", 0.5], ["p(75)", 0.75], ["p(90)", 0.9], ["p(95)", 0.95], ["p(99)", 0.99], ["p(99.9)", 0.999], ["p(99.99)", 0.9999]];
const MAX_DEPTH = 5;

/** Where a quantile sits on the axis: log10(1 / (1 − q)), 0 for the minimum, 2 for p99. */
export function spectrumPosition(quantile: number): number {
  return Math.min(MAX_DEPTH, Math.log10(1 / (1 - quantile)));
}

/**
 * A metric's spectrum over the runs of one side: each percentile's mean over the runs, only where
 * every run has enough samples beyond it; the maximum at the quantile of the last sample.
 */
export function spectrumPoints(runs: readonly BenchRun[], metric: string): SpectrumPoint[] {
  const measured = runs.flatMap((run) => {
    const m = run.metrics[metric];
    return m && typeof m.count === "number" && m.count > 0 ? [m] : [];
  });
  if (measured.length === 0) return [];
  const fewest = Math.min(...measured.map((m) => m.count as number));
  const mean = (stat: string) => {
    const values = measured.map((m) => m[stat]).filter((v): v is number => typeof v === "number");
    return values.length === measured.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
  };
  const points: SpectrumPoint[] = [];
  for (const [stat, quantile] of STATS) {
    const value = mean(stat);
    if (value !== null && (quantile === 0 || percentileSupported(quantile, fewest))) points.push({ quantile, valueMs: value });
  }
  const max = mean("max");
  const last = 1 - 1 / fewest;
  if (max !== null && fewest > 1 && last > (points.at(-1)?.quantile ?? 0)) points.push({ quantile: last, valueMs: max });
  return points;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function niceStep(range: number): number {
  const raw = range / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? magnitude * 10;
}

function label(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${Number(ms.toFixed(1))} ms`;
}

/** The spectrum as a self-contained inline SVG: one line per side, percentile ticks 0 to 99.99. */
export function renderSpectrumSvg(title: string, series: readonly SpectrumSeries[]): string {
  const width = 620;
  const height = 300;
  const plot = { left: 64, right: 20, top: 46, bottom: 44 };
  const drawn = series.filter((s) => s.points.length > 0);
  const depth = Math.max(2, Math.ceil(Math.max(0, ...drawn.flatMap((s) => s.points.map((p) => spectrumPosition(p.quantile))))));
  const top = Math.max(1, ...drawn.flatMap((s) => s.points.map((p) => p.valueMs)));
  const step = niceStep(top);
  const yMax = Math.ceil(top / step) * step;
  const x = (q: number) => plot.left + (spectrumPosition(q) / depth) * (width - plot.left - plot.right);
  const y = (ms: number) => height - plot.bottom - (ms / yMax) * (height - plot.top - plot.bottom);
  const parts: string[] = [];
  for (let d = 0; d <= depth; d++) {
    const q = 1 - 10 ** -d;
    const px = x(q).toFixed(1);
    const text = d === 0 ? "0%" : `${(q * 100).toFixed(Math.max(0, d - 2))}%`;
    parts.push(`<line x1="${px}" y1="${plot.top}" x2="${px}" y2="${height - plot.bottom}" stroke="#e4e4e4"/><text x="${px}" y="${height - plot.bottom + 16}" text-anchor="middle">${text}</text>`);
  }
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    const py = y(v).toFixed(1);
    parts.push(`<line x1="${plot.left}" y1="${py}" x2="${width - plot.right}" y2="${py}" stroke="#e4e4e4"/><text x="${plot.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeXml(label(v))}</text>`);
  }
  drawn.forEach((s, i) => {
    const path = s.points.map((p) => `${x(p.quantile).toFixed(1)},${y(p.valueMs).toFixed(1)}`).join(" ");
    parts.push(`<polyline data-series="${escapeXml(s.name)}" points="${path}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="2"/>`);
    for (const p of s.points) parts.push(`<circle cx="${x(p.quantile).toFixed(1)}" cy="${y(p.valueMs).toFixed(1)}" r="2.5" fill="${escapeXml(s.color)}"><title>${escapeXml(`${s.name}: p${Number((p.quantile * 100).toFixed(3))} ${label(p.valueMs)}`)}</title></circle>`);
    const lx = plot.left + 10 + i * 150;
    parts.push(`<rect x="${lx}" y="${plot.top - 20}" width="10" height="10" fill="${escapeXml(s.color)}"/><text x="${lx + 14}" y="${plot.top - 11}">${escapeXml(s.name)}</text>`);
  });
  if (drawn.length === 0) parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no samples</text>`);
  return (
    `<svg class="spectrum" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}" font-family="system-ui, sans-serif" font-size="11">` +
    `<text x="${plot.left}" y="14" font-size="12" font-weight="600">${escapeXml(title)}</text>` +
    parts.join("") +
    `<text x="${(plot.left + width - plot.right) / 2}" y="${height - 6}" text-anchor="middle">percentile (log scale: each step ten times rarer)</text>` +
    `<line x1="${plot.left}" y1="${height - plot.bottom}" x2="${width - plot.right}" y2="${height - plot.bottom}" stroke="#555"/>` +
    `<line x1="${plot.left}" y1="${plot.top}" x2="${plot.left}" y2="${height - plot.bottom}" stroke="#555"/></svg>`
  );
}
