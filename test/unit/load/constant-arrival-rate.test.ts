import { afterAll, beforeAll, expect, test } from "vitest";
import { runScript, stat } from "./engine-process.ts";
import type { TestServer } from "./test-server.ts";
import { startTestServer } from "./test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

// Enough pre-allocated VUs to ride out a second of scheduling hiccups on a busy machine:
// iterations due while a new VU initializes are dropped, as in k6.
test("constant-arrival-rate holds 200 iterations/s within 1% over 10 s", async () => {
  const { exitCode, summary } = await runScript(
    `
    import http from "k6/http";
    export const options = {
      scenarios: { steady: { executor: "constant-arrival-rate", rate: 200, timeUnit: "1s", duration: "10s", preAllocatedVUs: 200, maxVUs: 200 } },
    };
    export default async function () {
      await http.asyncRequest("GET", __ENV.TARGET + "/ping");
    }
    `,
    { TARGET: server.url },
  );
  expect(exitCode).toBe(0);
  expect(summary.metrics.dropped_iterations, "no iteration may be dropped").toBeUndefined();
  expect(stat(summary, "iterations", "count")).toBeGreaterThanOrEqual(1980);
  expect(stat(summary, "iterations", "count")).toBeLessThanOrEqual(2020);
  // The rate the server saw: the least-squares slope of arrival time against request number,
  // which a late first request or a momentary hiccup on a busy machine barely moves.
  const arrivals = server.arrivals;
  expect(arrivals.length).toBe(stat(summary, "http_reqs", "count"));
  const n = arrivals.length;
  const meanIndex = (n - 1) / 2;
  const meanTime = arrivals.reduce((sum, t) => sum + t, 0) / n;
  let covariance = 0;
  let variance = 0;
  arrivals.forEach((t, k) => {
    covariance += (k - meanIndex) * (t - meanTime);
    variance += (k - meanIndex) ** 2;
  });
  const observedRate = 1000 / (covariance / variance);
  expect(observedRate).toBeGreaterThan(198);
  expect(observedRate).toBeLessThan(202);
  // And over the whole run, first to last request, the 10 s are 10 s.
  expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(9_800);
  expect(arrivals.at(-1)! - arrivals[0]!).toBeLessThan(10_200);
}, 30_000);
