import { compare, formatRatioInterval, formatValue, missingNote, type ComparisonRow, type Spread, type Unit } from "./aggregate.ts";
import type { BenchResults, CapacityRecord } from "./results.ts";
import { comparisonPairs, sideName } from "./sides.ts";
import { scenarioVerdict } from "./verdicts.ts";

function cell(spread: Spread | null, unit: Unit): string {
  if (!spread) return "–";
  const mean = formatValue(spread.mean, unit);
  return spread.n > 1 ? `${mean} ±${formatValue(spread.stddev, unit)}` : mean;
}

function columns(header: string[], lines: string[][]): (cells: string[]) => string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  return (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
}

/** A capacity search's steps as rows: rate, the SLO's percentile, samples, achieved rate, dropped, failed, verdict. */
export function capacityRows(record: CapacityRecord): string[][] {
  return record.steps.map((step) => [
    `${step.phase} ${step.rate}/s`,
    step.latencyMs === null ? "–" : formatValue(step.latencyMs, "ms"),
    String(step.samples),
    step.achievedRate === null ? "–" : `${step.achievedRate.toFixed(2)}/s`,
    String(step.droppedIterations),
    `${step.failedPercent.toFixed(1)}%`,
    `${step.withinSlo ? "holds" : "fails"}${step.note ? `: ${step.note}` : ""}`,
  ]);
}

/** One line per scenario and side: the capacity found, then the steps that found it. */
export function renderCapacityTable(results: BenchResults): string {
  const out: string[] = [];
  for (const [scenario, bySide] of Object.entries(results.capacity ?? {})) {
    for (const [side, record] of Object.entries(bySide)) {
      out.push(`${scenario} on ${sideName(side)}: ${record.capacity === null ? "no rate tried held" : `${record.capacity}/s`} holds ${record.slo}${record.failedAt !== null ? `, ${record.failedAt}/s does not` : ""} (${record.stopped})`);
      const header = ["  step", record.slo.split("<")[0]!, "samples", "achieved", "dropped", "failed", "verdict"];
      const rows = capacityRows(record).map((r) => [`  ${r[0]}`, ...r.slice(1)]);
      const format = columns(header, rows);
      out.push(format(header), ...rows.map(format));
    }
  }
  return out.join("\n");
}

/**
 * The terminal table: per scenario and quantity, the mean ± standard deviation over repeats
 * of each side, and each compared pair's ratio with its 95% interval and verdict.
 */
export function renderRatioTable(results: BenchResults): string {
  if (results.capacity) return renderCapacityTable(results);
  const sides = results.settings.databases;
  const pairs = comparisonPairs(sides);
  const byPair = pairs.map(([numerator, denominator]) => compare(results, numerator, denominator));
  const rows = byPair[0] ?? compare(results, sides[0] ?? "", sides[1] ?? "");
  const header = ["quantity", ...sides.map((side) => `${side} (mean ±sd)`), ...pairs.map(([n, d]) => `${n}/${d} [95% CI] verdict`)];
  const sections = results.settings.scenarios.map((scenario) => {
    const indexes = rows.flatMap((row, i) => (row.quantity.scenario === scenario ? [i] : []));
    return {
      title: scenario,
      lines: indexes.map((i) => {
        const row = rows[i]!;
        return [
          `  ${row.quantity.label}`,
          ...sides.map((side) => missingNote(row, side) ?? cell(row.spreads[side] ?? null, row.quantity.unit)),
          ...byPair.map((pairRows) => formatRatioInterval(pairRows[i]!)),
        ];
      }),
    };
  });
  const format = columns(header, sections.flatMap((s) => s.lines));
  const widths = format(header).length;
  const out = [format(header), "─".repeat(widths)];
  for (const section of sections) out.push(section.title, ...section.lines.map(format));
  out.push(`${results.settings.repeat} repeat(s) per side; a ratio above 1 means the first side of the pair measured more (slower, or more throughput for rates);`);
  out.push("the interval is a bootstrap 95% confidence interval; better/worse only where it excludes 1.");
  if (pairs.length > 0) out.push("");
  for (const section of sections) {
    pairs.forEach(([numerator, denominator], p) => {
      const pairRows = byPair[p]!.filter((row: ComparisonRow) => row.quantity.scenario === section.title);
      const verdict = scenarioVerdict(results, section.title, pairRows, numerator, denominator);
      out.push(`${section.title}: ${verdict.sentence}${verdict.noise.length ? ` (noise: ${verdict.noise.join("; ")})` : ""}`);
    });
    const stopped = results.settings.stopped?.[section.title];
    if (stopped) out.push(`  repeated ${stopped.repeats} time(s): ${stopped.reason}`);
  }
  return out.join("\n");
}
