import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { compare, formatRatioInterval, formatValue, type ComparisonRow, type Spread, type Unit } from "./aggregate.ts";
import { scenarioVerdict } from "./verdicts.ts";
import type { BenchResults } from "./results.ts";

// The benchmark report: one self-contained HTML file (echarts inlined, data embedded), so it
// opens offline and can be archived next to its results.json.

const NUMERATOR = "postgres";
const DENOMINATOR = "sqlite";
const COLORS: Record<string, string> = { sqlite: "#4e79a7", postgres: "#e15759" };

let echartsSource: string | undefined;
function echarts(): string {
  // The package's main entry is dist/echarts.js; the minified build sits beside it.
  echartsSource ??= readFileSync(join(dirname(createRequire(import.meta.url).resolve("echarts")), "echarts.min.js"), "utf8");
  return echartsSource;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

// JSON inside <script>: no "</script>" or "<!--" can end or confuse the element.
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function spreadCell(spread: Spread | null | undefined, unit: Unit): string {
  if (!spread) return "–";
  const mean = formatValue(spread.mean, unit);
  if (spread.n < 2) return mean;
  return `${mean} <span class="spread">±${formatValue(spread.stddev, unit)} (${formatValue(spread.min, unit)}–${formatValue(spread.max, unit)})</span>`;
}

// Shaded only where the ratio's 95% interval excludes 1.
export function ratioClass(row: ComparisonRow): "" | "better" | "worse" {
  return row.verdict === "better" || row.verdict === "worse" ? row.verdict : "";
}

export interface ChartData {
  databases: string[];
  colors: Record<string, string>;
  scenarios: {
    name: string;
    latency: { categories: string[]; unit: "ms" | "bytes"; series: { database: string; means: (number | null)[] }[] }[];
    ratios: { labels: string[]; values: (number | null)[]; pairs: [number, number][] };
    throughput: { database: string; offered: number | null; achieved: (number | null)[] }[];
    cpu: { name: string; points: [number, number][] }[];
    memory: { name: string; points: [number, number][] }[];
  }[];
}

/** What the charts draw, computed here so the page's script only hands it to echarts. */
export function chartData(results: BenchResults): ChartData {
  const rows = compare(results, NUMERATOR, DENOMINATOR);
  const databases = results.settings.databases;
  return {
    databases,
    colors: COLORS,
    scenarios: results.settings.scenarios.map((name) => {
      const scenarioRows = rows.filter((r) => r.quantity.scenario === name);
      const latencyRows = scenarioRows.filter((r) => r.quantity.group === "latency");
      const byMetric = new Map<string, ComparisonRow[]>();
      for (const row of latencyRows) {
        const metric = row.quantity.key.slice(0, row.quantity.key.lastIndexOf(":"));
        byMetric.set(metric, [...(byMetric.get(metric) ?? []), row]);
      }
      // One chart per unit: bytes and milliseconds do not share an axis.
      const latency = (["ms", "bytes"] as const)
        .map((unit) => {
          const chosen = [...byMetric.values()].filter((group) => group[0]?.quantity.unit === unit).flat();
          const categories = chosen.map((r) => r.quantity.label);
          return {
            categories,
            unit,
            series: databases.map((database) => ({
              database,
              means: chosen.map((r) => r.spreads[database]?.mean ?? null),
            })),
          };
        })
        .filter((chart) => chart.categories.length > 0);
      const withRatio = scenarioRows.filter((r) => r.ratio !== null);
      const ratios = {
        labels: withRatio.map((r) => r.quantity.label),
        values: withRatio.map((r) => r.ratio?.value ?? null),
        pairs: withRatio.flatMap((r, i) => {
          const top = r.quantity.values[NUMERATOR] ?? [];
          const bottom = r.quantity.values[DENOMINATOR] ?? [];
          return top.flatMap((a, k): [number, number][] => {
            const b = bottom[k];
            return a !== null && b !== null && b !== undefined && b !== 0 ? [[a / b, i]] : [];
          });
        }),
      };
      const runs = results.runs.filter((r) => r.scenario === name);
      const throughput = databases.map((database) => {
        const mine = runs.filter((r) => r.database === database).sort((a, b) => a.repeat - b.repeat);
        return { database, offered: mine[0]?.offeredRate ?? null, achieved: mine.map((r) => r.achievedRate) };
      });
      // Time series of the first repeat of each database, seconds from its first sample.
      const cpu: ChartData["scenarios"][number]["cpu"] = [];
      const memory: ChartData["scenarios"][number]["memory"] = [];
      for (const database of databases) {
        const first = runs.find((r) => r.database === database && r.repeat === 1);
        for (const series of first?.series ?? []) {
          const t0 = series.samples[0]?.[0] ?? 0;
          cpu.push({ name: `${database} ${series.role}`, points: series.samples.map(([t, c]) => [(t - t0) / 1000, c]) });
          memory.push({ name: `${database} ${series.role}`, points: series.samples.map(([t, , m]) => [(t - t0) / 1000, Math.round(m / 1e5) / 10]) });
        }
      }
      return { name, latency, ratios, throughput, cpu, memory };
    }),
  };
}

function provenanceSection(results: BenchResults): string {
  const m = results.provenance.machine;
  const rows: [string, string][] = [
    ["machine", `${m.cpuModel}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.os} (${m.kernel}, ${m.arch})`],
    ["load average at start", m.loadAverage.join(", ")],
    ["container engine", m.containerEngine],
    ["load engine", results.provenance.engine.description],
    ["Node", m.node],
    ["Gauntlet", results.provenance.gauntletVersion],
    ["settings", `${results.settings.repeat} repeat(s), ${results.settings.duration} per timed scenario, seed ${results.settings.seed}, rate ${results.settings.rate ?? "per scenario"}, resources sampled every ${results.settings.sampleIntervalMs} ms`],
  ];
  for (const [database, p] of Object.entries(results.provenance.databases)) {
    rows.push([`${database}: homeserver`, `${p.homeserver.implementation} ${p.homeserver.version ?? "(version unknown)"}; Server: ${p.homeserver.serverHeader ?? "–"}`]);
    for (const image of p.images) {
      rows.push([`${database}: ${image.role} image`, `${image.name} (${image.origin}) ${image.id ?? ""} ${image.repoDigests.join(" ")}`]);
    }
    if (p.postgres) rows.push([`${database}: PostgreSQL`, `${p.postgres.version ?? "?"}; ${Object.entries(p.postgres.settings).map(([k, v]) => `${k}=${v}`).join(", ")}`]);
    rows.push([`${database}: configuration`, JSON.stringify(p.config)]);
    for (const problem of p.problems) rows.push([`${database}: not recorded`, problem]);
  }
  const scenarioRows = Object.entries(results.scenarios).map(([name, s]): [string, string] => [`scenario ${name}`, Object.entries(s.env).map(([k, v]) => `${k}=${v}`).join(" ")]);
  return `<table class="provenance">${[...rows, ...scenarioRows].map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</table>`;
}

function scenarioTable(results: BenchResults, rows: ComparisonRow[]): string {
  const databases = results.settings.databases;
  const withRatio = databases.includes(NUMERATOR) && databases.includes(DENOMINATOR);
  const head = `<tr><th>quantity</th>${databases.map((db) => `<th>${escapeHtml(db)}</th>`).join("")}${withRatio ? `<th>${NUMERATOR}/${DENOMINATOR} [95% CI]</th>` : ""}</tr>`;
  const body = rows
    .map(
      (row) =>
        `<tr data-key="${escapeHtml(row.quantity.key)}"><td>${escapeHtml(row.quantity.label)}</td>` +
        databases.map((db) => `<td class="num">${row.quantity.note && !row.spreads[db] ? escapeHtml(row.quantity.note) : spreadCell(row.spreads[db], row.quantity.unit)}</td>`).join("") +
        (withRatio ? `<td class="num ${ratioClass(row)}">${escapeHtml(formatRatioInterval(row))}</td>` : "") +
        "</tr>",
    )
    .join("");
  return `<table class="numbers"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function runsTable(results: BenchResults): string {
  const rows = results.runs
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.scenario)}</td><td>${escapeHtml(r.database)}</td><td class="num">${r.repeat}</td><td>${escapeHtml(r.runId)}</td>` +
        `<td class="num">${r.exitCode}</td><td class="num">${(r.wallMs / 1000).toFixed(1)} s</td><td class="num">${r.loadAverage1m}</td>` +
        `<td class="num">${r.offeredRate ?? "–"}</td><td class="num">${r.achievedRate === null ? "–" : r.achievedRate.toFixed(2)}</td>` +
        `<td class="num">${r.droppedIterations}</td><td>${escapeHtml(r.problems.join("; "))}</td></tr>`,
    )
    .join("");
  return (
    `<table class="numbers"><thead><tr><th>scenario</th><th>database</th><th>repeat</th><th>run</th><th>exit</th><th>engine wall time</th>` +
    `<th>load avg</th><th>offered /s</th><th>achieved /s</th><th>dropped</th><th>problems</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

// The page's own script: turns the embedded chart data into echarts options, nothing more.
const PAGE_SCRIPT = `
const data = JSON.parse(document.getElementById("chart-data").textContent);
const charts = [];
function chart(id, option) {
  const el = document.getElementById(id);
  if (!el) return;
  const c = echarts.init(el, null, { renderer: "canvas" });
  c.setOption(Object.assign({ animation: false, textStyle: { fontFamily: "system-ui, sans-serif" } }, option));
  charts.push(c);
}
const fmt = (unit) => (v) => unit === "bytes" ? (v >= 1e6 ? (v / 1e6).toFixed(1) + " MB" : (v / 1e3).toFixed(0) + " kB") : (v >= 1000 ? (v / 1000).toFixed(2) + " s" : v.toFixed(0) + " ms");
data.scenarios.forEach((s, i) => {
  s.latency.forEach((l, j) => chart("latency-" + i + "-" + j, {
    title: { text: s.name + ": " + (l.unit === "bytes" ? "response size" : "latency") + " (mean of repeats; spread in the table)", textStyle: { fontSize: 13 } },
    legend: { top: 24 }, grid: { left: 70, right: 20, top: 60, bottom: 110 }, tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: l.categories, axisLabel: { rotate: 35, fontSize: 10, interval: 0 } },
    yAxis: { type: "value", axisLabel: { formatter: fmt(l.unit) } },
    series: l.series.map((d) => ({ name: d.database, type: "bar", data: d.means, itemStyle: { color: data.colors[d.database] } })),
  }));
  if (s.ratios.labels.length) chart("ratio-" + i, {
    title: { text: s.name + ": postgres / sqlite (bar: ratio of means, dots: paired repeats; 1 = equal)", textStyle: { fontSize: 13 } },
    grid: { left: 230, right: 30, top: 40, bottom: 30 }, tooltip: { trigger: "item" },
    yAxis: { type: "category", data: s.ratios.labels, inverse: true, axisLabel: { fontSize: 10 } },
    xAxis: { type: "value", min: 0 },
    series: [
      { type: "bar", data: s.ratios.values, itemStyle: { color: "#9c755f" }, markLine: { symbol: "none", data: [{ xAxis: 1 }], lineStyle: { color: "#000" } } },
      { type: "scatter", data: s.ratios.pairs, symbolSize: 5, itemStyle: { color: "#222" } },
    ],
  });
  chart("throughput-" + i, {
    title: { text: s.name + ": achieved rate per repeat" + (s.throughput[0] && s.throughput[0].offered !== null ? " (line: offered)" : ""), textStyle: { fontSize: 13 } },
    legend: { top: 24 }, grid: { left: 50, right: 20, top: 60, bottom: 30 }, tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: (s.throughput[0] ? s.throughput[0].achieved : []).map((_, k) => "repeat " + (k + 1)) },
    yAxis: { type: "value", name: "/s" },
    series: s.throughput.map((t) => ({ name: t.database, type: "bar", data: t.achieved, itemStyle: { color: data.colors[t.database] },
      markLine: t.offered === null ? undefined : { symbol: "none", data: [{ yAxis: t.offered }], label: { formatter: "offered", position: "insideEndTop" } } })),
  });
  const line = (points) => ({ type: "line", showSymbol: false, data: points });
  chart("cpu-" + i, {
    title: { text: s.name + ": CPU per container, repeat 1 (100% = one core)", textStyle: { fontSize: 13 } },
    legend: { top: 24 }, grid: { left: 50, right: 20, top: 60, bottom: 30 }, tooltip: { trigger: "axis" },
    xAxis: { type: "value", name: "s" }, yAxis: { type: "value", name: "%" },
    series: s.cpu.map((c) => Object.assign(line(c.points), { name: c.name })),
  });
  chart("memory-" + i, {
    title: { text: s.name + ": memory per container, repeat 1", textStyle: { fontSize: 13 } },
    legend: { top: 24 }, grid: { left: 50, right: 20, top: 60, bottom: 30 }, tooltip: { trigger: "axis" },
    xAxis: { type: "value", name: "s" }, yAxis: { type: "value", name: "MB" },
    series: s.memory.map((c) => Object.assign(line(c.points), { name: c.name })),
  });
});
window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
`;

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1300px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 36px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; } .spread { color: #777; }
td.better { background: #e3f4e1; } td.worse { background: #fbe3e1; }
table.provenance td { font-family: ui-monospace, monospace; word-break: break-all; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.chart { height: 340px; border: 1px solid #eee; } .wide { grid-column: 1 / 3; }
.warning { background: #fff4d6; padding: 8px; border: 1px solid #e0c060; }
.verdict { font-weight: 600; font-size: 15px; }
.noise { color: #8a5a00; margin-top: -8px; }
`;

/** The whole report as one HTML document. */
export function renderBenchReport(results: BenchResults): string {
  const rows = compare(results, NUMERATOR, DENOMINATOR);
  const data = chartData(results);
  const warnings: string[] = [];
  if (results.interrupted) warnings.push("The bench was interrupted: some runs are missing.");
  const failed = results.runs.filter((r) => r.problems.length > 0);
  if (failed.length) warnings.push(`${failed.length} run(s) had problems (see the runs table).`);
  const busy = results.provenance.machine.loadAverage[0] ?? 0;
  if (busy > results.provenance.machine.cores) {
    warnings.push(`The machine was busy when the bench started (load average ${busy} on ${results.provenance.machine.cores} cores): expect noise between repeats.`);
  }
  const withBoth = results.settings.databases.includes(NUMERATOR) && results.settings.databases.includes(DENOMINATOR);
  const sections = data.scenarios
    .map((s, i) => {
      const latencyCharts = s.latency.map((_, j) => `<div class="chart wide" id="latency-${i}-${j}"></div>`).join("");
      const scenarioRows = rows.filter((r) => r.quantity.scenario === s.name);
      const verdict = withBoth ? scenarioVerdict(results, s.name, scenarioRows, NUMERATOR) : undefined;
      return (
        `<section id="scenario-${escapeHtml(s.name)}"><h2>${escapeHtml(s.name)}</h2>` +
        (verdict ? `<p class="verdict">${escapeHtml(verdict.sentence)}</p>${verdict.noise.map((n) => `<p class="noise">noise: ${escapeHtml(n)}</p>`).join("")}` : "") +
        (results.settings.stopped?.[s.name] ? `<p>repeated ${results.settings.stopped[s.name]!.repeats} time(s): ${escapeHtml(results.settings.stopped[s.name]!.reason)}</p>` : "") +
        scenarioTable(results, rows.filter((r) => r.quantity.scenario === s.name)) +
        `<div class="charts">${latencyCharts}${s.ratios.labels.length ? `<div class="chart wide" id="ratio-${i}" style="height:${Math.max(300, 22 * s.ratios.labels.length + 80)}px"></div>` : ""}` +
        `<div class="chart" id="throughput-${i}"></div><div class="chart" id="cpu-${i}"></div><div class="chart" id="memory-${i}"></div></div></section>`
      );
    })
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gauntlet bench ${escapeHtml(results.startedAt)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head><body>
<h1>Gauntlet bench: ${escapeHtml(results.settings.databases.join(" vs "))}</h1>
<p>${escapeHtml(results.startedAt)} to ${escapeHtml(results.finishedAt)}; ${results.runs.length} run(s), each on a fresh environment with seed ${results.settings.seed}.
Latencies are measured from each operation's intended start (no coordinated omission); ratios are ${NUMERATOR}/${DENOMINATOR}:
above 1 means ${NUMERATOR} measured more. Each ratio carries a bootstrap 95% confidence interval over the repeats; shaded cells (green better, red worse)
are those whose interval excludes 1, and only those get a verdict. A percentile is shown only from runs with at least 10 samples beyond it.
CPU and memory cover the whole load run, setup() included; CPU 100% = one core.</p>
${warnings.map((w) => `<p class="warning">${escapeHtml(w)}</p>`).join("")}
${sections}
<h2>Runs</h2>${runsTable(results)}
<h2>Provenance</h2>${provenanceSection(results)}
<script>${echarts()}</script>
<script type="application/json" id="chart-data">${scriptJson(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
