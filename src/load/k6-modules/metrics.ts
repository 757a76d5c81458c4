// The `k6/metrics` module for the node engine: custom metrics, shared by name across VUs.
import type { Metric } from "../metrics/registry.ts";
import type { MetricType } from "../metrics/sinks.ts";
import { currentIteration } from "../runtime/iteration-context.ts";
import { currentTestRun } from "../runtime/test-run.ts";

abstract class CustomMetric {
  readonly name: string;
  readonly #metric: Metric;
  constructor(name: string, type: MetricType, isTime: boolean) {
    this.name = name;
    this.#metric = currentTestRun().registry.declare(name, type, isTime);
  }
  add(value: number | boolean, tags?: Record<string, string>): void {
    const run = currentTestRun();
    const number = typeof value === "boolean" ? (value ? 1 : 0) : Number(value);
    if (Number.isNaN(number)) throw new Error(`metric ${this.name}: ${String(value)} is not a number`);
    const base = currentIteration()?.tags;
    run.registry.add(this.#metric, number, tags ? { ...base, ...tags } : base);
  }
}

export class Counter extends CustomMetric {
  constructor(name: string, _isTime = false) {
    super(name, "counter", false);
  }
}

export class Gauge extends CustomMetric {
  constructor(name: string, isTime = false) {
    super(name, "gauge", isTime);
  }
}

export class Rate extends CustomMetric {
  constructor(name: string, _isTime = false) {
    super(name, "rate", false);
  }
}

export class Trend extends CustomMetric {
  constructor(name: string, isTime = false) {
    super(name, "trend", isTime);
  }
}

export default { Counter, Gauge, Rate, Trend };
