import { expect, test } from "vitest";
import { meanInterval, ratioInterval, relativeWidth, verdictOf } from "../../../src/bench/statistics.ts";

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
