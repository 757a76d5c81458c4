import { expect, test } from "vitest";
import { percentileSupported } from "../../../src/load/metrics/percentiles.ts";
import { renderTerminalSummary } from "../../../src/load/summary/terminal-summary.ts";
import type { SummaryExport } from "../../../src/load/summary/summary-export.ts";

const trend = (count: number) => ({ avg: 12, min: 1, med: 10, max: 90, "p(90)": 30, "p(95)": 40, "p(99)": 80, "p(99.9)": 89, count });
const summary = (count: number): SummaryExport => ({
  root_group: { name: "", path: "", id: "", groups: {}, checks: {} },
  metrics: { http_req_duration: trend(count) },
} as unknown as SummaryExport);

test("a percentile with fewer than 10 samples beyond it prints n/a, with the sample count beside it", () => {
  const line = renderTerminalSummary(summary(30));
  expect(line).toContain("med=10.00ms");
  expect(line).toContain("p(90)=n/a");
  expect(line).toContain("p(95)=n/a");
  expect(line).toContain("p(99)=n/a");
  expect(line).toContain("count=30");
});

test("2,000 samples support p(99) but not p(99.9)", () => {
  const line = renderTerminalSummary(summary(2000));
  expect(line).toContain("p(99)=80.00ms");
  expect(line).toContain("p(99.9)=n/a");
});

test("percentileSupported needs 10 samples beyond the percentile", () => {
  expect(percentileSupported(0.99, 999)).toBe(false);
  expect(percentileSupported(0.99, 1000)).toBe(true);
  expect(percentileSupported(0.5, 20)).toBe(true);
  expect(percentileSupported(0.5, 19)).toBe(false);
});
