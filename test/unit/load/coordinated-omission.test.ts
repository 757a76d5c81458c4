import { afterEach, expect, test } from "vitest";
import { runScript, stat } from "./engine-process.ts";
import type { TestServer } from "./test-server.ts";
import { startTestServer } from "./test-server.ts";

let server: TestServer | undefined;
afterEach(() => server?.close());

const TREND_STATS = "avg,min,med,max,p(90),p(95),p(99),count";

test("a server that stalls for 500 ms shows the stall in the recorded latencies", async () => {
  server = await startTestServer({ stall: { afterRequests: 100, forMs: 500 } });
  const { exitCode, summary } = await runScript(
    `
    import http from "k6/http";
    export const options = {
      scenarios: { steady: { executor: "constant-arrival-rate", rate: 100, duration: "3s", preAllocatedVUs: 150, maxVUs: 150 } },
    };
    export default async function () {
      await http.asyncRequest("GET", __ENV.TARGET + "/");
    }
    `,
    { TARGET: server.url },
    TREND_STATS,
  );
  expect(exitCode).toBe(0);
  // Arrivals keep their schedule during the stall: nothing is dropped, nothing is left out.
  expect(summary.metrics.dropped_iterations).toBeUndefined();
  expect(stat(summary, "http_req_duration", "count")).toBeGreaterThanOrEqual(299);
  expect(stat(summary, "http_req_duration", "max")).toBeGreaterThan(450);
  // About 50 of 300 requests fall into the stall, waiting 0 to 500 ms: the tail shows it.
  expect(stat(summary, "http_req_duration", "p(95)")).toBeGreaterThan(150);
  expect(stat(summary, "http_req_duration", "med")).toBeLessThan(50);
}, 30_000);

test("iterations that start late because the engine stalled are measured from when they were due: the lateness is in iteration_duration and http_req_blocked, not in http_req_duration", async () => {
  server = await startTestServer();
  // Iteration 100 blocks the engine's only thread for 500 ms; the ~50 iterations due meanwhile
  // start late, and their requests must be charged from their due time, not from when they ran.
  const { exitCode, summary } = await runScript(
    `
    import http from "k6/http";
    import exec from "k6/execution";
    export const options = {
      scenarios: { steady: { executor: "constant-arrival-rate", rate: 100, duration: "3s", preAllocatedVUs: 150, maxVUs: 150 } },
    };
    export default async function () {
      if (exec.scenario.iterationInTest === 100) {
        await http.asyncRequest("GET", __ENV.TARGET + "/before-stall");
        const until = performance.now() + 500;
        while (performance.now() < until) {}
        return;
      }
      await http.asyncRequest("GET", __ENV.TARGET + "/");
    }
    `,
    { TARGET: server.url },
    TREND_STATS,
  );
  expect(exitCode).toBe(0);
  expect(summary.metrics.dropped_iterations).toBeUndefined();
  expect(stat(summary, "iteration_duration", "max")).toBeGreaterThan(450);
  expect(stat(summary, "iteration_duration", "p(95)")).toBeGreaterThan(150);
  // The lateness is reported as time blocked before sending (k6's http_req_blocked); the time
  // from the ready connection to the answer (http_req_duration, as k6 defines it) carries none of it.
  const blockedMax = stat(summary, "http_req_blocked", "max");
  expect(blockedMax).toBeGreaterThan(400);
  expect(stat(summary, "http_req_duration", "p(95)")).toBeLessThan(blockedMax / 4);
  expect(stat(summary, "http_req_waiting", "med")).toBeLessThan(blockedMax / 4);
}, 30_000);
