import { describe, expect, test } from "vitest";
import { constantArrivals, rampingArrivals } from "../../../src/load/executors/arrival-schedule.ts";
import { targetVus } from "../../../src/load/executors/closed-model.ts";
import { parseDuration } from "../../../src/load/options/duration.ts";
import { CounterSink, GaugeSink, RateSink, TrendSink } from "../../../src/load/metrics/sinks.ts";

// The exact percentile of sorted values, by nearest rank, to compare the histogram against.
function exactPercentile(sorted: number[], percent: number): number {
  return sorted[Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1)]!;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("trend statistics against known distributions", () => {
  test("uniform 1..10000: percentiles within 0.1%, mean and extremes exact", () => {
    const trend = new TrendSink();
    for (let value = 1; value <= 10_000; value++) trend.add(value);
    expect(trend.avg).toBe(5000.5);
    expect(trend.min).toBe(1);
    expect(trend.max).toBe(10_000);
    for (const [percent, expected] of [[50, 5000], [90, 9000], [95, 9500], [99, 9900]] as const) {
      expect(Math.abs(trend.percentile(percent) - expected) / expected).toBeLessThan(0.001);
    }
    expect(trend.med).toBe(trend.percentile(50));
  });

  test("exponential latencies with a 20 ms mean: tail percentiles within 0.1% of exact", () => {
    const random = seeded(7);
    const trend = new TrendSink();
    const values: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      const value = -20 * Math.log(1 - random());
      values.push(value);
      trend.add(value);
    }
    values.sort((a, b) => a - b);
    expect(Math.abs(trend.avg - 20) / 20).toBeLessThan(0.01);
    for (const percent of [50, 90, 95, 99, 99.9]) {
      const exact = exactPercentile(values, percent);
      expect(Math.abs(trend.percentile(percent) - exact) / exact).toBeLessThan(0.001);
    }
    expect(trend.max).toBe(values.at(-1));
  });

  test("sub-millisecond values keep microsecond resolution", () => {
    const trend = new TrendSink();
    for (const value of [0.25, 0.5, 0.75, 1]) trend.add(value);
    expect(trend.percentile(50)).toBeCloseTo(0.5, 3);
    expect(trend.min).toBe(0.25);
  });

  test("negative values order below positive ones", () => {
    const trend = new TrendSink();
    for (let value = -50; value <= 49; value++) trend.add(value);
    expect(trend.percentile(10)).toBeCloseTo(-41, 1);
    expect(trend.percentile(50)).toBeCloseTo(-1, 1);
    expect(trend.percentile(90)).toBeCloseTo(39, 1);
    expect(trend.avg).toBe(-0.5);
  });

  test("memory stays flat: twenty times the samples over the same range take no more room", () => {
    const random = seeded(11);
    const trend = new TrendSink();
    const record = (count: number): void => {
      for (let i = 0; i < count; i++) trend.add(1 + random() * 30_000);
    };
    record(100_000);
    const early = trend.footprintBytes;
    record(1_900_000);
    expect(trend.samples).toBe(2_000_000);
    expect(trend.footprintBytes).toBe(early);
  });

  test("an empty trend reports zeros, as k6 does", () => {
    const trend = new TrendSink();
    expect([trend.avg, trend.med, trend.percentile(95)]).toEqual([0, 0, 0]);
  });
});

describe("counter, gauge and rate", () => {
  test("rate is the share of non-zero samples", () => {
    const rate = new RateSink();
    for (let i = 0; i < 1000; i++) rate.add(i % 4 === 0 ? 1 : 0);
    expect([rate.passes, rate.fails, rate.rate]).toEqual([250, 750, 0.25]);
  });

  test("counter sums, gauge keeps the last value and its extremes", () => {
    const counter = new CounterSink();
    const gauge = new GaugeSink();
    for (const value of [3, 9, 1, 4]) {
      counter.add(value);
      gauge.add(value);
    }
    expect(counter.count).toBe(17);
    expect([gauge.value, gauge.min, gauge.max]).toEqual([4, 1, 9]);
  });
});

describe("schedules", () => {
  test("constant arrivals: rate × duration iterations at even spacing", () => {
    const due = [...constantArrivals(200, 1000, 10_000)];
    expect(due).toHaveLength(2000);
    expect(due[1]! - due[0]!).toBeCloseTo(5, 9);
  });

  test("ramping arrivals integrate the rate: 0 to 100/s over 10 s is 500 iterations, then 100/s", () => {
    const due = [...rampingArrivals(0, 1000, [{ durationMs: 10_000, target: 100 }, { durationMs: 2000, target: 100 }])];
    expect(due.filter((t) => t < 10_000)).toHaveLength(500);
    expect(due.filter((t) => t >= 10_000)).toHaveLength(200);
    // Half the ramp's iterations come in its last 29% (the rate grows linearly).
    expect(due[250]! / 1000).toBeCloseTo(Math.sqrt(0.5) * 10, 1);
  });

  test("ramping VUs interpolate between stage targets", () => {
    const stages = [{ durationMs: 10_000, target: 10 }, { durationMs: 10_000, target: 0 }];
    expect(targetVus(0, stages, 5000)).toBe(5);
    expect(targetVus(0, stages, 15_000)).toBe(5);
    expect(targetVus(0, stages, 25_000)).toBe(0);
  });

  test("durations read as k6 reads them", () => {
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration(1500)).toBe(1500);
    expect(() => parseDuration("ten seconds")).toThrow(/e.g. "30s"/);
  });
});
