import { compare, formatRatioInterval, formatValue, type ComparisonRow, type Spread, type Unit } from "./aggregate.ts";
import { scenarioVerdict } from "./verdicts.ts";
import type { BenchResults } from "./results.ts";

function cell(spread: Spread | null, unit: Unit): string {
  if (!spread) return "–";
  const mean = formatValue(spread.mean, unit);
  return spread.n > 1 ? `${mean} ±${formatValue(spread.stddev, unit)}` : mean;
}

/**
 * The terminal table: per scenario and quantity, the mean ± standard deviation over repeats
 * of each database, and the ratio numerator/denominator with the range of the paired repeats.
 */
export function renderRatioTable(results: BenchResults, numerator = "postgres", denominator = "sqlite"): string {
  const databases = results.settings.databases;
  const rows = compare(results, numerator, denominator);
  const withRatio = databases.includes(numerator) && databases.includes(denominator);
  const header = ["quantity", ...databases.map((db) => `${db} (mean ±sd)`), ...(withRatio ? [`${numerator}/${denominator} [95% CI] verdict`] : [])];
  const lines: string[][] = [];
  const sections: { title: string; rows: ComparisonRow[] }[] = [];
  for (const scenario of results.settings.scenarios) sections.push({ title: scenario, rows: rows.filter((r) => r.quantity.scenario === scenario) });
  const body = sections.map((section) => ({
    title: section.title,
    lines: section.rows.map((row) => [
      `  ${row.quantity.label}`,
      ...databases.map((db) => (row.quantity.note && !row.spreads[db] ? row.quantity.note : cell(row.spreads[db] ?? null, row.quantity.unit))),
      ...(withRatio ? [formatRatioInterval(row)] : []),
    ]),
  }));
  for (const section of body) lines.push(...section.lines);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = [format(header), widths.map((w) => "─".repeat(w)).join("  ")];
  for (const section of body) {
    out.push(section.title);
    for (const line of section.lines) out.push(format(line));
  }
  out.push(`${results.settings.repeat} repeat(s) per database; ratio above 1 means ${numerator} measured more (slower, or more throughput for rates);`);
  out.push("the interval is a bootstrap 95% confidence interval; better/worse only where it excludes 1.");
  if (withRatio) {
    out.push("");
    for (const section of sections) {
      const verdict = scenarioVerdict(results, section.title, section.rows, numerator);
      out.push(`${section.title}: ${verdict.sentence}${verdict.noise.length ? ` (noise: ${verdict.noise.join("; ")})` : ""}`);
      const stopped = results.settings.stopped?.[section.title];
      if (stopped) out.push(`  repeated ${stopped.repeats} time(s): ${stopped.reason}`);
    }
  }
  return out.join("\n");
}
