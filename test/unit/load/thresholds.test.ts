import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MetricRegistry } from "../../../src/load/metrics/registry.ts";
import { parseThresholds, thresholdPasses } from "../../../src/load/metrics/thresholds.ts";
import { runScript, stat } from "./engine-process.ts";
import type { TestServer } from "./test-server.ts";
import { startTestServer } from "./test-server.ts";

describe("threshold expressions", () => {
  const registry = new MetricRegistry();
  const latency = registry.declare("latency", "trend", true);
  const errors = registry.declare("errors", "rate");
  const sent = registry.declare("sent", "counter");
  for (let value = 1; value <= 100; value++) registry.add(latency, value);
  for (let i = 0; i < 100; i++) registry.add(errors, i < 3 ? 1 : 0);
  registry.add(sent, 40);

  const verdict = (metric: string, expression: string, testDurationMs = 10_000): boolean => {
    const [threshold] = parseThresholds({ [metric]: [expression] }, registry);
    return thresholdPasses(threshold!, testDurationMs);
  };

  test.each([
    ["latency", "p(95)<96", true],
    ["latency", "p(95)<95", false],
    ["latency", "p(99.9)<=100", true],
    ["latency", "avg==50.5", true],
    ["latency", "med<50", false],
    ["latency", "max<100", false],
    ["latency", "min>=1", true],
    ["errors", "rate<0.01", false],
    ["errors", "rate<0.05", true],
    ["sent", "count>10", true],
    ["sent", "count>40", false],
    ["sent", "rate>=4", true],
    ["sent", "rate>4", false],
  ])("%s %s holds: %s", (metric, expression, holds) => {
    expect(verdict(metric, expression)).toBe(holds);
  });

  test("an aggregation the metric type lacks is refused with the ones it has", () => {
    expect(() => parseThresholds({ errors: ["p(95)<1"] }, registry)).toThrow(/rate metric errors; a rate offers rate/);
  });

  test("a threshold on an undeclared metric is refused", () => {
    expect(() => parseThresholds({ missing: ["count>1"] }, registry)).toThrow(/names no metric: "missing"/);
  });

  test("a malformed expression names the form it expects", () => {
    expect(() => parseThresholds({ latency: ["p95 < 200"] }, registry)).toThrow(/"p\(95\)<200"/);
  });
});

describe("thresholds in a run", () => {
  let ok: TestServer;
  let failing: TestServer;
  beforeAll(async () => {
    ok = await startTestServer();
    failing = await startTestServer({ status: 500 });
  });
  afterAll(async () => {
    await ok.close();
    await failing.close();
  });

  const script = (thresholds: string, duration = "1s") => `
    import http from "k6/http";
    import { Counter } from "k6/metrics";
    const pings = new Counter("pings");
    export const options = {
      scenarios: { steady: { executor: "constant-arrival-rate", rate: 20, duration: "${duration}", preAllocatedVUs: 5 } },
      thresholds: ${thresholds},
    };
    export default async function () {
      await http.asyncRequest("GET", __ENV.TARGET + "/");
      pings.add(1);
    }
  `;

  test("passing thresholds exit 0 and are written false (k6 writes true for a failure)", async () => {
    const { exitCode, summary } = await runScript(
      script(`{ http_req_duration: ["p(95)<5000", "max<10000"], http_req_failed: ["rate<0.01"], pings: ["count>10"] }`),
      { TARGET: ok.url },
    );
    expect(exitCode).toBe(0);
    expect(summary.metrics.http_req_duration?.thresholds).toEqual({ "p(95)<5000": false, "max<10000": false });
    expect(summary.metrics.http_req_failed?.thresholds).toEqual({ "rate<0.01": false });
    expect(summary.metrics.pings?.thresholds).toEqual({ "count>10": false });
  });

  test("a failing threshold exits 99 and is written true", async () => {
    const { exitCode, summary, stderr } = await runScript(
      script(`{ http_req_failed: ["rate<0.01"], "http_req_duration{scenario:steady}": ["avg<60000"] }`),
      { TARGET: failing.url },
    );
    expect(exitCode).toBe(99);
    expect(stat(summary, "http_req_failed", "value")).toBe(1);
    expect(summary.metrics.http_req_failed?.thresholds).toEqual({ "rate<0.01": true });
    expect(summary.metrics["http_req_duration{scenario:steady}"]?.thresholds).toEqual({ "avg<60000": false });
    expect(stderr).toContain("http_req_failed rate<0.01");
  });

  test("abortOnFail stops the test early and exits 99", async () => {
    const { exitCode, summary, wallMs } = await runScript(
      script(`{ http_req_failed: [{ threshold: "rate<0.01", abortOnFail: true }] }`, "20s"),
      { TARGET: failing.url },
    );
    expect(exitCode).toBe(99);
    expect(wallMs).toBeLessThan(10_000);
    expect(stat(summary, "iterations", "count")).toBeLessThan(200);
  }, 30_000);
});
