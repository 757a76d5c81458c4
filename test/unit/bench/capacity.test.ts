import { describe, expect, test } from "vitest";
import { judgeStep, parseSlo, searchCapacity, type StepMeasurement } from "../../../src/bench/capacity.ts";

// A server with a hard capacity: p99 grows like a queue's, 50 ms / (1 − load), and past capacity
// nothing keeps up (iterations are dropped). With p99<500ms it holds up to 90% of capacity.
function queueModel(capacity: number, durationS: number) {
  const tried: number[] = [];
  const measure = async (rate: number): Promise<StepMeasurement> => {
    tried.push(rate);
    const load = rate / capacity;
    const samples = Math.round(rate * durationS);
    if (load >= 1) return { latencyMs: 60_000, samples: Math.round(capacity * durationS), achievedRate: capacity, droppedIterations: samples - Math.round(capacity * durationS), failedPercent: 0 };
    return { latencyMs: 50 / (1 - load), samples, achievedRate: rate, droppedIterations: 0, failedPercent: 0 };
  };
  return { measure, tried };
}

const SEARCH = { startRate: 2, maxRate: 500, growth: 2, maxSteps: 12, precision: 0.1, budgetMs: 3_600_000, stepMs: 15_000, durationS: 10 };

describe("capacity search", () => {
  test("on a queue of capacity 40/s with p99<500ms it finds a rate within 10% below the true 36/s and never reports one above it", async () => {
    const { measure, tried } = queueModel(40, 10);
    const result = await searchCapacity(measure, parseSlo("p99<500ms"), SEARCH);
    expect(result.capacity).not.toBeNull();
    expect(result.capacity!).toBeLessThanOrEqual(36);
    expect(result.capacity!).toBeGreaterThanOrEqual(36 * 0.9);
    expect(result.failedAt!).toBeGreaterThanOrEqual(36);
    // Ramp 2, 4, 8, 16, 32, 64 (fails), then bisection between 32 and 64.
    expect(tried.slice(0, 6)).toEqual([2, 4, 8, 16, 32, 64]);
    expect(result.steps.slice(0, 6).every((s) => s.phase === "ramp")).toBe(true);
    expect(result.steps.slice(6).every((s) => s.phase === "bisect")).toBe(true);
    expect(result.stopped).toMatch(/within 10% of each other/);
  });

  test("stops at --capacity-steps steps and reports the best rate that held so far", async () => {
    const { measure } = queueModel(40, 10);
    const result = await searchCapacity(measure, parseSlo("p99<500ms"), { ...SEARCH, maxSteps: 3 });
    expect(result.steps).toHaveLength(3);
    expect(result.capacity).toBe(8);
    expect(result.stopped).toBe("reached 3 steps");
  });

  test("stops before a step that would overrun the time budget", async () => {
    const { measure } = queueModel(40, 10);
    let clock = 0;
    const result = await searchCapacity(async (rate) => {
      clock += 15_000;
      return measure(rate);
    }, parseSlo("p99<500ms"), { ...SEARCH, budgetMs: 50_000 }, () => clock);
    // 0 + 15 s fits, 15 + 15, 30 + 15 fit, 45 + 15 > 50: three steps.
    expect(result.steps).toHaveLength(3);
    expect(result.stopped).toMatch(/would overrun the time budget \(50 s\)/);
  });

  test("a server that holds the objective at the highest rate allowed stops there", async () => {
    const { measure } = queueModel(10_000, 10);
    const result = await searchCapacity(measure, parseSlo("p99<500ms"), { ...SEARCH, maxRate: 20 });
    expect(result.capacity).toBe(20);
    expect(result.failedAt).toBeNull();
    expect(result.stopped).toMatch(/highest rate allowed \(20\/s\)/);
  });

  test("a server that fails the first rate bisects down from it until a rate holds", async () => {
    const { measure, tried } = queueModel(0.5, 10);
    const result = await searchCapacity(measure, parseSlo("p99<500ms"), { ...SEARCH, maxSteps: 5 });
    // 0.45/s is the true limit: 2, 1 and 0.5 fail; 0.3 holds; 0.4 holds.
    expect(tried).toEqual([2, 1, 0.5, 0.3, 0.4]);
    expect(result.capacity).toBe(0.4);
    expect(result.failedAt).toBe(0.5);
  });

  test("a server that fails every rate down to the smallest step reports no capacity", async () => {
    const { measure } = queueModel(0.05, 10);
    const result = await searchCapacity(measure, parseSlo("p99<500ms"), SEARCH);
    expect(result.capacity).toBeNull();
    expect(result.failedAt).toBe(0.1);
    expect(result.stopped).toBe("no rate held, down to 0.1/s");
  });
});

describe("a capacity step's verdict", () => {
  const slo = parseSlo("p99<500ms");
  test("dropped iterations beyond 1% of those offered fail the step even under the latency objective", () => {
    const verdict = judgeStep(20, { latencyMs: 100, samples: 180, achievedRate: 18, droppedIterations: 20, failedPercent: 0 }, slo, 10);
    expect(verdict).toEqual({ withinSlo: false, note: "20 iterations dropped: the load generator could not keep up with the server" });
  });
  test("a held step with too few samples for its percentile says so", () => {
    expect(judgeStep(5, { latencyMs: 100, samples: 50, achievedRate: 5, droppedIterations: 0, failedPercent: 0 }, slo, 10)).toEqual({ withinSlo: true, note: "p99 from 50 samples: fewer than 10 lie beyond it" });
  });
});

describe("--slo", () => {
  test("p99<500ms and p95<1.5s parse to their statistic and milliseconds", () => {
    expect(parseSlo("p99<500ms")).toEqual({ quantile: 0.99, stat: "p(99)", thresholdMs: 500, text: "p99<500ms" });
    expect(parseSlo("p95<1.5s")).toMatchObject({ quantile: 0.95, stat: "p(95)", thresholdMs: 1500 });
    expect(parseSlo("p99.9<2s")).toMatchObject({ stat: "p(99.9)", thresholdMs: 2000 });
  });
  test("anything else is refused with an example", () => {
    expect(() => parseSlo("99<500")).toThrow(/--slo 99<500: expected a latency percentile under a threshold, e.g. p99<500ms or p95<1s/);
  });
});
