import { describe, expect, test } from "vitest";
import { autoStop } from "../../../src/bench/run-bench.ts";
import { meanInterval, ratioInterval, relativeWidth, verdictOf } from "../../../src/bench/statistics.ts";
import { parseRepeat } from "../../../src/cli/commands/bench.ts";
import { craftedResults, craftedRun } from "./crafted-results.ts";

test("the interval of a mean holds the mean and lies within the values", () => {
  const ci = meanInterval([10, 12, 11, 13, 9, 10, 12])!;
  expect(ci.estimate).toBeCloseTo(11, 10);
  expect(ci.low).toBeLessThan(11);
  expect(ci.high).toBeGreaterThan(11);
  expect(ci.low).toBeGreaterThanOrEqual(9);
  expect(ci.high).toBeLessThanOrEqual(13);
  expect(ci.n).toBe(7);
});

test("the same values and seed give the same interval", () => {
  expect(ratioInterval([5, 6, 7], [3, 3.5, 4])).toEqual(ratioInterval([5, 6, 7], [3, 3.5, 4]));
});

test("a clearly larger latency is worse, a clearly larger throughput better, overlapping sides no difference", () => {
  const slower = ratioInterval([140, 150, 145, 142, 148], [100, 103, 98, 101, 99]);
  expect(slower!.low).toBeGreaterThan(1.3);
  expect(verdictOf(slower, true)).toBe("worse");
  expect(verdictOf(slower, false)).toBe("better");
  const same = ratioInterval([100, 120, 90, 110, 95], [105, 95, 115, 100, 98]);
  expect(same!.low).toBeLessThan(1);
  expect(same!.high).toBeGreaterThan(1);
  expect(verdictOf(same, true)).toBe("no difference");
});

test("two repeats a side are too few for a verdict, whatever the ratio", () => {
  expect(verdictOf(ratioInterval([200, 210], [100, 101]), true)).toBe("too few repeats");
});

test("a side without values, or a zero denominator, has no ratio", () => {
  expect(ratioInterval([], [1, 2])).toBeNull();
  expect(ratioInterval([1, 2], [0, 1])).toBeNull();
  expect(meanInterval([null, Number.NaN])).toBeNull();
});

test("the interval narrows as repeats are added to the same spread", () => {
  const few = ratioInterval([10, 14, 12], [10, 11, 9])!;
  const many = ratioInterval([10, 14, 12, 10, 14, 12, 10, 14, 12, 10, 14, 12], [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9])!;
  expect(relativeWidth(many)).toBeLessThan(relativeWidth(few));
});

describe("--repeat auto", () => {
  const auto = { precision: 0.2, budgetMs: 60 * 60_000, maxRepeat: 12 };
  const repeated = (n: number, sqlite: (r: number) => number, postgres: (r: number) => number) =>
    craftedResults(
      Array.from({ length: n }, (_, i) => i + 1).flatMap((r) => [
        craftedRun("sqlite", r, { med: sqlite(r), p95: sqlite(r) * 2, p99: 1, max: 1, count: 5000 }),
        craftedRun("postgres", r, { med: postgres(r), p95: postgres(r) * 2, p99: 1, max: 1, count: 5000 }),
      ]),
      n,
    );

  test("never stops before 3 repeats, however precise", () => {
    expect(autoStop(repeated(2, () => 10, () => 20), "send-throughput", 2, auto, 0, 1)).toBeUndefined();
  });

  test("stops once every headline ratio's interval is within the precision, not before", () => {
    expect(autoStop(repeated(4, (r) => 10 + (r % 2) * 0.1, (r) => 20 + (r % 2) * 0.1), "send-throughput", 4, auto, 0, 1e9)).toMatch(/within 20% of it/);
    expect(autoStop(repeated(4, (r) => 10 + r * 4, (r) => 20 - r * 3), "send-throughput", 4, auto, 0, 1e9)).toBeUndefined();
  });

  test("a noisy scenario stops at its share of the budget or at the most repeats, saying how wide it stayed", () => {
    const noisy = repeated(5, (r) => 10 + r * 4, (r) => 20 - r * 3);
    expect(autoStop(noisy, "send-throughput", 5, auto, 10_000, 5_000)).toMatch(/share of the time budget .* widest interval \d+% of its ratio/);
    expect(autoStop(noisy, "send-throughput", 12, auto, 0, 1e9)).toMatch(/reached 12 repeats/);
  });

  test("--repeat takes a whole number or auto with a precision and a budget", () => {
    expect(parseRepeat({ repeat: "3", precision: 0.2, budget: "30m" })).toBe(3);
    expect(parseRepeat({ repeat: "auto", precision: 0.1, budget: "10m" })).toEqual({ precision: 0.1, budgetMs: 600_000, maxRepeat: 12 });
    expect(() => parseRepeat({ repeat: "0", precision: 0.2, budget: "30m" })).toThrow(/whole number of at least 1, or auto/);
    expect(() => parseRepeat({ repeat: "auto", precision: 0, budget: "30m" })).toThrow(/--precision 0/);
  });
});
