import { afterAll, beforeAll, expect, test } from "vitest";
import { runScript, stat } from "./engine-process.ts";
import type { TestServer } from "./test-server.ts";
import { startTestServer } from "./test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

test("setup data reaches VUs through JSON, each VU has its own module state, teardown sees the data", async () => {
  const { exitCode, summary } = await runScript(
    `
    import http from "k6/http";
    import { check } from "k6";
    import { Counter } from "k6/metrics";
    const ownIterations = new Counter("own_iterations_seen");
    let iterationsOfThisVu = 0;
    export const options = {
      scenarios: { each: { executor: "per-vu-iterations", vus: 3, iterations: 4 } },
    };
    export async function setup() {
      const res = await http.asyncRequest("GET", __ENV.TARGET + "/seed");
      return { status: res.status, at: new Date(0), dropped: () => 1 };
    }
    export default async function (data) {
      iterationsOfThisVu++;
      check(data, {
        "setup status arrived": (d) => d.status === 200,
        "a Date arrives as its JSON string": (d) => d.at === "1970-01-01T00:00:00.000Z",
        "functions do not survive JSON": (d) => !("dropped" in d),
        "module state is this VU's own": () => iterationsOfThisVu === __ITER + 1,
      });
      ownIterations.add(iterationsOfThisVu === 4 ? 1 : 0);
    }
    export async function teardown(data) {
      await http.asyncRequest("GET", __ENV.TARGET + "/teardown?status=" + data.status);
    }
    `,
    { TARGET: server.url },
  );
  expect(exitCode).toBe(0);
  const checks = summary.root_group.checks;
  for (const name of ["setup status arrived", "a Date arrives as its JSON string", "functions do not survive JSON", "module state is this VU's own"]) {
    expect(checks[name], name).toMatchObject({ passes: 12, fails: 0 });
  }
  expect(stat(summary, "own_iterations_seen", "count")).toBe(3);
  expect(stat(summary, "iterations", "count")).toBe(12);
  expect(server.arrivals).toHaveLength(2);
});

test("module state of the script's own imports is per VU too; the k6 modules are shared", async () => {
  const { exitCode, summary } = await runScript(
    `
    import { check } from "k6";
    import { countIteration } from "./iteration-count.ts";
    import { countIteration as sameModule } from "./iteration-count.ts";
    export const options = { scenarios: { each: { executor: "per-vu-iterations", vus: 4, iterations: 5 } } };
    export default async function () {
      const seen = countIteration();
      check(seen, {
        "an imported module counts only this VU's iterations": (n) => n === __ITER + 1,
        "one instance per VU, whatever the import": () => sameModule === countIteration,
      });
    }
    `,
    {},
    undefined,
    { "iteration-count.ts": "let iterations = 0;\nexport function countIteration(): number {\n  return ++iterations;\n}\n" },
  );
  expect(exitCode).toBe(0);
  expect(summary.root_group.checks["an imported module counts only this VU's iterations"]).toMatchObject({ passes: 20, fails: 0 });
  expect(summary.root_group.checks["one instance per VU, whatever the import"]).toMatchObject({ passes: 20, fails: 0 });
  // Checks from all VUs land in one metric: k6/metrics and k6 are one instance for the process.
  expect(stat(summary, "checks", "passes")).toBe(40);
});

test("an exception at the top level exits 107; execution.test.abort() exits 108", async () => {
  const broken = await runScript(`throw new Error("broken at load");\nexport default async function () {}`);
  expect(broken.exitCode).toBe(107);
  expect(broken.stderr).toContain("broken at load");

  const aborted = await runScript(
    `
    import exec from "k6/execution";
    export const options = { vus: 1, duration: "10s" };
    export default async function () {
      exec.test.abort("enough");
    }
    `,
  );
  expect(aborted.exitCode).toBe(108);
  expect(aborted.wallMs).toBeLessThan(5000);
});

test("ramping-vus and constant-vus run their VUs for their duration", async () => {
  const { exitCode, summary } = await runScript(
    `
    import http from "k6/http";
    import { sleep } from "k6";
    export const options = {
      scenarios: {
        ramp: { executor: "ramping-vus", startVUs: 0, stages: [{ duration: "1s", target: 4 }, { duration: "1s", target: 4 }] },
        fixed: { executor: "constant-vus", vus: 2, duration: "1s", startTime: "500ms" },
      },
    };
    export default async function () {
      await http.asyncRequest("GET", __ENV.TARGET + "/");
      await sleep(0.1);
    }
    `,
    { TARGET: server.url },
  );
  expect(exitCode).toBe(0);
  expect(stat(summary, "vus", "max")).toBeGreaterThanOrEqual(5);
  expect(stat(summary, "vus", "max")).toBeLessThanOrEqual(6);
  // Ramp: 2 + 4 VU-seconds; fixed: 2 VU-seconds; an iteration takes a little over 100 ms.
  const iterations = stat(summary, "iterations", "count");
  expect(iterations).toBeGreaterThan(64);
  expect(iterations).toBeLessThan(82);
});
