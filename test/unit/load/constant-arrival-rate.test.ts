import { afterAll, beforeAll, expect, test } from "vitest";
import { runScript, stat } from "./engine-process.ts";
import type { TestServer } from "./test-server.ts";
import { startTestServer } from "./test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

test("constant-arrival-rate holds 200 iterations/s within 1% over 10 s", async () => {
  const { exitCode, summary } = await runScript(
    `
    import http from "k6/http";
    export const options = {
      scenarios: { steady: { executor: "constant-arrival-rate", rate: 200, timeUnit: "1s", duration: "10s", preAllocatedVUs: 20, maxVUs: 50 } },
    };
    export default async function () {
      await http.asyncRequest("GET", __ENV.TARGET + "/ping");
    }
    `,
    { TARGET: server.url },
  );
  expect(exitCode).toBe(0);
  expect(stat(summary, "iterations", "count")).toBeGreaterThanOrEqual(1980);
  expect(stat(summary, "iterations", "count")).toBeLessThanOrEqual(2020);
  expect(summary.metrics.dropped_iterations).toBeUndefined();
  // The rate the server saw, first to last arrival, not just the engine's own count.
  const arrivals = server.arrivals;
  expect(arrivals.length).toBe(stat(summary, "http_reqs", "count"));
  const observedRate = (arrivals.length - 1) / ((arrivals.at(-1)! - arrivals[0]!) / 1000);
  expect(observedRate).toBeGreaterThan(198);
  expect(observedRate).toBeLessThan(202);
  // Each whole second of the run carries its share, so the rate is held, not averaged out.
  const start = arrivals[0]!;
  for (let second = 1; second < 9; second++) {
    const inSecond = arrivals.filter((t) => t >= start + second * 1000 && t < start + (second + 1) * 1000).length;
    expect(inSecond).toBeGreaterThanOrEqual(196);
    expect(inSecond).toBeLessThanOrEqual(204);
  }
}, 30_000);
