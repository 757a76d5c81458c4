import { describe, expect, test } from "vitest";
import { renderSpectrumSvg, spectrumPoints, spectrumPosition } from "../../../src/bench/spectrum-svg.ts";
import { craftedRun } from "./crafted-results.ts";

function runWith(count: number, stats: Record<string, number>) {
  return craftedRun("sqlite", 1, { med: 10, p95: 20, p99: 30, max: 90 }, { metrics: { lat: { count, ...stats } } });
}

const STATS = { min: 2, med: 10, "p(75)": 12, "p(90)": 15, "p(95)": 20, "p(99)": 30, "p(99.9)": 50, "p(99.99)": 70, max: 90 };

describe("percentile spectrum", () => {
  test("the axis is log-scaled: p0 at 0, p90 at 1, p99 at 2, p99.9 at 3", () => {
    expect(spectrumPosition(0)).toBe(0);
    expect(spectrumPosition(0.9)).toBeCloseTo(1, 9);
    expect(spectrumPosition(0.99)).toBeCloseTo(2, 9);
    expect(spectrumPosition(0.999)).toBeCloseTo(3, 9);
  });

  test("2,000 samples support percentiles up to p99.5: p99.9 and p99.99 are left out, the maximum sits at the last sample's quantile", () => {
    const points = spectrumPoints([runWith(2000, STATS)], "lat");
    expect(points.map((p) => p.quantile)).toEqual([0, 0.5, 0.75, 0.9, 0.95, 0.99, 1 - 1 / 2000]);
    expect(points.map((p) => p.valueMs)).toEqual([2, 10, 12, 15, 20, 30, 90]);
  });

  test("a percentile is the mean over repeats, and the repeat with fewest samples decides which are supported", () => {
    const points = spectrumPoints([runWith(200_000, STATS), runWith(20_000, { ...STATS, "p(99.9)": 70, "p(99)": 40 })], "lat");
    expect(points.find((p) => p.quantile === 0.99)?.valueMs).toBe(35);
    expect(points.find((p) => p.quantile === 0.999)?.valueMs).toBe(60);
    expect(points.some((p) => p.quantile === 0.9999)).toBe(false);
  });

  test("the SVG draws one line per side with its points in percentile order, and percentile ticks up to the deepest point", () => {
    const svg = renderSpectrumSvg("lat <spectrum>", [
      { name: "sqlite", color: "#4e79a7", points: spectrumPoints([runWith(20_000, STATS)], "lat") },
      { name: "postgres", color: "#e15759", points: spectrumPoints([runWith(20_000, { ...STATS, "p(99.9)": 80, max: 120 })], "lat") },
    ]);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("lat &lt;spectrum&gt;");
    for (const tick of [">0%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<"]) expect(svg).toContain(tick);
    const lines = [...svg.matchAll(/<polyline data-series="([^"]+)" points="([^"]+)"/g)];
    expect(lines.map((m) => m[1])).toEqual(["sqlite", "postgres"]);
    for (const [, , points] of lines) {
      const xs = points!.split(" ").map((pair) => Number(pair.split(",")[0]));
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
      expect(xs).toHaveLength(8);
    }
    // The y axis reaches past the slowest point (120 ms).
    expect(svg).toMatch(/>125 ms<|>150 ms</);
  });

  test("a side without samples draws no line, and an empty chart says so", () => {
    expect(renderSpectrumSvg("empty", [{ name: "sqlite", color: "#000", points: [] }])).toContain(">no samples<");
  });
});
