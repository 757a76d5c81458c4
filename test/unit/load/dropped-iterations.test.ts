import { afterEach, expect, test } from "vitest";
import { runScript, stat } from "./engine-process.ts";
import type { TestServer } from "./test-server.ts";
import { startTestServer } from "./test-server.ts";

let server: TestServer | undefined;
afterEach(() => server?.close());

test("iterations due while every VU is busy are dropped and counted", async () => {
  // Two VUs at 200 ms per request manage 10 iterations/s of the 50/s asked for.
  server = await startTestServer({ delayMs: 200 });
  const { exitCode, summary } = await runScript(
    `
    import http from "k6/http";
    export const options = {
      scenarios: { overloaded: { executor: "constant-arrival-rate", rate: 50, duration: "2s", preAllocatedVUs: 2, maxVUs: 2 } },
    };
    export default async function () {
      await http.asyncRequest("GET", __ENV.TARGET + "/slow");
    }
    `,
    { TARGET: server.url },
  );
  expect(exitCode).toBe(0);
  const iterations = stat(summary, "iterations", "count");
  const dropped = stat(summary, "dropped_iterations", "count");
  // At most 2 VUs × 2 s / 200 ms; fewer when a busy machine fires the server's timers late.
  expect(iterations).toBeLessThanOrEqual(20);
  expect(iterations).toBeGreaterThanOrEqual(14);
  // Every one of the 100 scheduled iterations either ran or was counted as dropped.
  expect(iterations + dropped).toBe(100);
});

test("shared-iterations not started by maxDuration are dropped", async () => {
  // The graceful stop lets the iteration in flight at maxDuration finish, so none is interrupted.
  server = await startTestServer({ delayMs: 100 });
  const { summary } = await runScript(
    `
    import http from "k6/http";
    export const options = {
      scenarios: { capped: { executor: "shared-iterations", vus: 1, iterations: 100, maxDuration: "1s", gracefulStop: "1s" } },
    };
    export default async function () {
      await http.asyncRequest("GET", __ENV.TARGET + "/slow");
    }
    `,
    { TARGET: server.url },
  );
  const iterations = stat(summary, "iterations", "count");
  expect(iterations).toBeGreaterThanOrEqual(8);
  expect(iterations).toBeLessThanOrEqual(11);
  expect(stat(summary, "dropped_iterations", "count")).toBe(100 - iterations);
});
