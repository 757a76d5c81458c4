import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { compare, formatRatioInterval, formatValue, missingNote, type ComparisonRow, type Spread, type Unit } from "./aggregate.ts";
import { scenarioVerdict } from "./verdicts.ts";
import type { BenchResults, CapacityRecord } from "./results.ts";
import { capacityRows } from "./ratio-table.ts";
import { comparisonPairs, sideName } from "./sides.ts";
import { renderSpectrumSvg, spectrumPoints } from "./spectrum-svg.ts";
import { formatScale } from "./workload/scale.ts";

// The benchmark report: one self-contained HTML file (echarts inlined, data embedded), so it
// opens offline and can be archived next to its results.json.

const COLORS: Record<string, string> = { sqlite: "#4e79a7", postgres: "#e15759" };
const PALETTE = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"];

/** Each side's colour: the familiar two for SQLite and PostgreSQL alone, a palette otherwise. */
function sideColors(sides: readonly string[]): Record<string, string> {
  return Object.fromEntries(sides.map((side, i) => [side, COLORS[side] ?? PALETTE[i % PALETTE.length]!]));
}

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
  ratioTitle: string;
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
  const databases = results.settings.databases;
  // The ratio chart draws the first compared pair (PostgreSQL over SQLite when both are there).
  const [NUMERATOR, DENOMINATOR] = comparisonPairs(databases)[0] ?? [databases[0] ?? "", databases[1] ?? ""];
  const rows = compare(results, NUMERATOR, DENOMINATOR);
  return {
    databases,
    colors: sideColors(databases),
    ratioTitle: `${NUMERATOR} / ${DENOMINATOR}`,
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
  const scale = results.settings.scale;
  if (scale) rows.push(["seeded workload", `${scale.preset ? `${scale.preset}: ` : ""}${formatScale(scale)}, seed ${results.settings.seed}`]);
  for (const [side, seedings] of Object.entries(results.seeding ?? {})) {
    rows.push([`${side}: seeding`, seedings.map((x) => `${x.runId} ${(x.wallMs / 1000).toFixed(1)} s`).join(", ")]);
  }
  if (results.porting) rows.push(["port to PostgreSQL", results.porting.map((x) => `${x.runId} ${x.seconds.toFixed(1)} s`).join(", ")]);
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

/** Every side's column, then one ratio column per compared pair (`byPair[p]` holds the same rows as `rows`, in order). */
function scenarioTable(results: BenchResults, rows: ComparisonRow[], pairs: [string, string][], byPair: ComparisonRow[][]): string {
  const databases = results.settings.databases;
  const head = `<tr><th>quantity</th>${databases.map((db) => `<th>${escapeHtml(db)}</th>`).join("")}${pairs.map(([n, d]) => `<th>${escapeHtml(`${n}/${d}`)} [95% CI]</th>`).join("")}</tr>`;
  const body = rows
    .map(
      (row, i) =>
        `<tr data-key="${escapeHtml(row.quantity.key)}"><td>${escapeHtml(row.quantity.label)}</td>` +
        databases.map((db) => {
          const note = missingNote(row, db);
          return `<td class="num">${note === undefined ? spreadCell(row.spreads[db], row.quantity.unit) : escapeHtml(note)}</td>`;
        }).join("") +
        byPair.map((pairRows) => `<td class="num ${ratioClass(pairRows[i]!)}">${escapeHtml(formatRatioInterval(pairRows[i]!))}</td>`).join("") +
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
        `<td class="num">${r.exitCode}</td><td class="num">${(r.wallMs / 1000).toFixed(1)} s</td><td class="num">${r.loadAverage1m}</td><td class="num">${r.stealPercent === null || r.stealPercent === undefined ? "–" : `${r.stealPercent}%`}</td>` +
        `<td class="num">${r.generatorCpuPercent === null || r.generatorCpuPercent === undefined ? "–" : `${r.generatorCpuPercent}%`}</td>` +
        `<td class="num">${r.offeredRate ?? "–"}</td><td class="num">${r.achievedRate === null ? "–" : r.achievedRate.toFixed(2)}</td>` +
        `<td class="num">${r.droppedIterations}</td><td>${escapeHtml(r.problems.join("; "))}</td></tr>`,
    )
    .join("");
  return (
    `<table class="numbers"><thead><tr><th>scenario</th><th>database</th><th>repeat</th><th>run</th><th>exit</th><th>engine wall time</th>` +
    `<th>load avg</th><th>CPU steal</th><th>generator CPU</th><th>offered /s</th><th>achieved /s</th><th>dropped</th><th>problems</th></tr></thead><tbody>${rows}</tbody></table>`
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
    title: { text: s.name + ": " + data.ratioTitle + " (bar: ratio of means, dots: paired repeats; 1 = equal)", textStyle: { fontSize: 13 } },
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
.spectra { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0; } svg.spectrum { border: 1px solid #eee; }
tr.holds td:last-child { background: #e3f4e1; } tr.fails td:last-child { background: #fbe3e1; }
.noise { color: #8a5a00; margin-top: -8px; }
`;

/** Per headline latency metric of a scenario, the percentile spectrum of every side as inline SVG. */
function spectra(results: BenchResults, scenario: string, rows: ComparisonRow[], colors: Record<string, string>): string {
  const metrics = [...new Set(rows.filter((r) => r.quantity.group === "latency" && r.quantity.unit === "ms").map((r) => r.quantity.key.slice(0, r.quantity.key.lastIndexOf(":"))))];
  const runs = results.runs.filter((r) => r.scenario === scenario);
  return metrics
    .map((metric) =>
      renderSpectrumSvg(
        `${scenario}: ${metric}, percentile spectrum (mean of repeats)`,
        results.settings.databases.map((side) => ({ name: side, color: colors[side] ?? "#000", points: spectrumPoints(runs.filter((r) => r.database === side), metric) })),
      ),
    )
    .join("");
}

function capacityTable(record: CapacityRecord): string {
  const head = `<tr><th>step</th><th>${escapeHtml(record.slo.split("<")[0]!)}</th><th>samples</th><th>achieved</th><th>dropped</th><th>failed</th><th>verdict</th></tr>`;
  const body = capacityRows(record)
    .map((cells, i) => `<tr class="${record.steps[i]!.withinSlo ? "holds" : "fails"}">${cells.map((c, j) => `<td${j > 0 && j < 6 ? ' class="num"' : ""}>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("");
  return `<table class="numbers capacity"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/** Per scenario and side: the capacity found and the steps of its search. */
function capacitySection(results: BenchResults): string {
  return Object.entries(results.capacity ?? {})
    .map(
      ([scenario, bySide]) =>
        `<section id="capacity-${escapeHtml(scenario)}"><h2>${escapeHtml(scenario)}: capacity</h2>` +
        Object.entries(bySide)
          .map(
            ([side, record]) =>
              `<p class="verdict">${escapeHtml(sideName(side))}: ${record.capacity === null ? "no rate tried held" : `${record.capacity}/s`} holds ${escapeHtml(record.slo)}` +
              `${record.failedAt !== null ? `, ${record.failedAt}/s does not` : ""}</p><p>stopped: ${escapeHtml(record.stopped)}</p>${capacityTable(record)}`,
          )
          .join("") +
        "</section>",
    )
    .join("");
}

function comparisonSections(results: BenchResults, data: ChartData): string {
  const pairs = comparisonPairs(results.settings.databases);
  const byPair = pairs.map(([numerator, denominator]) => compare(results, numerator, denominator));
  const rows = byPair[0] ?? compare(results, results.settings.databases[0] ?? "", results.settings.databases[1] ?? "");
  return data.scenarios
    .map((s, i) => {
      const latencyCharts = s.latency.map((_, j) => `<div class="chart wide" id="latency-${i}-${j}"></div>`).join("");
      const indexes = rows.flatMap((row, k) => (row.quantity.scenario === s.name ? [k] : []));
      const verdicts = pairs.map(([numerator, denominator], p) => scenarioVerdict(results, s.name, indexes.map((k) => byPair[p]![k]!), numerator, denominator));
      return (
        `<section id="scenario-${escapeHtml(s.name)}"><h2>${escapeHtml(s.name)}</h2>` +
        verdicts.map((verdict) => `<p class="verdict">${escapeHtml(verdict.sentence)}</p>${verdict.noise.map((n) => `<p class="noise">noise: ${escapeHtml(n)}</p>`).join("")}`).join("") +
        (results.settings.stopped?.[s.name] ? `<p>repeated ${results.settings.stopped[s.name]!.repeats} time(s): ${escapeHtml(results.settings.stopped[s.name]!.reason)}</p>` : "") +
        scenarioTable(results, indexes.map((k) => rows[k]!), pairs, byPair.map((pairRows) => indexes.map((k) => pairRows[k]!))) +
        `<div class="spectra">${spectra(results, s.name, indexes.map((k) => rows[k]!), data.colors)}</div>` +
        `<div class="charts">${latencyCharts}${s.ratios.labels.length ? `<div class="chart wide" id="ratio-${i}" style="height:${Math.max(300, 22 * s.ratios.labels.length + 80)}px"></div>` : ""}` +
        `<div class="chart" id="throughput-${i}"></div><div class="chart" id="cpu-${i}"></div><div class="chart" id="memory-${i}"></div></div></section>`
      );
    })
    .join("");
}

/** The whole report as one HTML document. */
export function renderBenchReport(results: BenchResults): string {
  const data = chartData(results);
  const warnings: string[] = [];
  if (results.interrupted) warnings.push("The bench was interrupted: some runs are missing.");
  const failed = results.runs.filter((r) => r.problems.length > 0);
  if (failed.length) warnings.push(`${failed.length} run(s) had problems (see the runs table).`);
  const busy = results.provenance.machine.loadAverage[0] ?? 0;
  if (busy > results.provenance.machine.cores) {
    warnings.push(`The machine was busy when the bench started (load average ${busy} on ${results.provenance.machine.cores} cores): expect noise between repeats.`);
  }
  const pairs = comparisonPairs(results.settings.databases);
  const capacity = results.capacity !== undefined || results.settings.capacity !== undefined;
  const intro = capacity
    ? `Capacity search for ${escapeHtml(results.settings.capacity?.slo ?? "")}: per scenario and side, constant-arrival-rate steps of ${escapeHtml(results.settings.duration)} on one environment,
doubling the rate until a step fails (its percentile over the objective, more than 1% of iterations dropped or requests failed), then bisecting between
the last rate that held and the first that failed. Latencies are measured from each operation's intended start (no coordinated omission).`
    : `Latencies are measured from each operation's intended start (no coordinated omission); ratios compare ${escapeHtml(pairs.map(([n, d]) => `${n}/${d}`).join(", ") || "nothing (one side)")}:
above 1 means the first side measured more. Each ratio carries a bootstrap 95% confidence interval over the repeats; shaded cells (green better, red worse)
are those whose interval excludes 1, and only those get a verdict. A percentile is shown only from runs with at least 10 samples beyond it.
CPU and memory cover the whole load run, setup() included; CPU 100% = one core.`;
  const scale = results.settings.scale;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gauntlet bench ${escapeHtml(results.startedAt)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head><body>
<h1>Gauntlet bench: ${escapeHtml(results.settings.databases.join(" vs "))}</h1>
<p>${escapeHtml(results.startedAt)} to ${escapeHtml(results.finishedAt)}; ${results.runs.length} run(s) with seed ${results.settings.seed}${scale ? `, seeded workload ${escapeHtml(`${scale.preset ? `${scale.preset} ` : ""}(${formatScale(scale)})`)} on every environment` : ", each on a fresh environment"}.
${results.settings.ported ? "The PostgreSQL side is the SQLite deployment ported after seeding with the implementation's own tool and served beside it, in the same container: both sides read the same data, and the container's CPU and memory cover both servers." : ""}
${intro}</p>
${warnings.map((w) => `<p class="warning">${escapeHtml(w)}</p>`).join("")}
${capacity ? capacitySection(results) : comparisonSections(results, data)}
<h2>Runs</h2>${runsTable(results)}
<h2>Provenance</h2>${provenanceSection(results)}
<script>${echarts()}</script>
<script type="application/json" id="chart-data">${scriptJson(capacity ? { ...data, scenarios: [] } : data)}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
