import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { startTestServer } from "./test-server.ts";

const MAIN = fileURLToPath(new URL("../../../src/cli/main.ts", import.meta.url));

async function gauntlet(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args], { timeout: 20_000 });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

test("--run naming no environment is refused before anything starts", async () => {
  const { code, stderr } = await gauntlet("load", "send-throughput", "--run", "0000-nosuchrun");
  expect(code).toBe(1);
  expect(stderr).toContain("--run 0000-nosuchrun: no run 0000-nosuchrun");
  expect(stderr).not.toMatch(/\n\s+at /);
});

test("an unknown scenario is named along with the ones that exist", async () => {
  const { code, stderr } = await gauntlet("load", "no-such-scenario", "--url", "http://127.0.0.1:9");
  expect(code).toBe(1);
  expect(stderr).toContain('no scenario "no-such-scenario"');
  expect(stderr).toContain("delivery-latency");
});

test("a malformed --env pair is refused with the form expected", async () => {
  const { code, stderr } = await gauntlet("load", "login", "--url", "http://127.0.0.1:9", "--env", "NOEQUALS");
  expect(code).toBe(1);
  expect(stderr).toContain("expected KEY=VALUE");
});

test("gauntlet load passes --url and --rate to the script and exits 99 with the summary written when a threshold fails", async () => {
  const server = await startTestServer({ status: 503 });
  const directory = await mkdtemp(join(tmpdir(), "gauntlet-load-cli-"));
  try {
    const script = join(directory, "unavailable.ts");
    await writeFile(
      script,
      `
      import http from "k6/http";
      export const options = {
        scenarios: { s: { executor: "constant-arrival-rate", rate: Number(__ENV.GAUNTLET_RATE), duration: "1s", preAllocatedVUs: 2 } },
        thresholds: { http_req_failed: ["rate<0.5"] },
      };
      export default async function () {
        await http.asyncRequest("GET", __ENV.GAUNTLET_BASE_URL + "/_matrix/client/versions");
      }
      `,
    );
    const summaryFile = join(directory, "summary.json");
    const { code, stderr } = await gauntlet("load", script, "--url", `${server.url}/`, "--rate", "5", "--engine", "node", "--summary-export", summaryFile);
    expect(code).toBe(99);
    expect(stderr).toContain("thresholds failed");
    const summary = JSON.parse(await readFile(summaryFile, "utf8")) as { metrics: Record<string, Record<string, unknown>> };
    expect(summary.metrics.http_reqs?.count).toBe(5);
    expect(summary.metrics.http_req_failed?.thresholds).toEqual({ "rate<0.5": true });
    expect(server.arrivals).toHaveLength(5);
  } finally {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  }
});

test("gauntlet load --execution-segment runs only that segment's share of the iterations", async () => {
  const server = await startTestServer();
  const directory = await mkdtemp(join(tmpdir(), "gauntlet-load-cli-"));
  try {
    const script = join(directory, "split.ts");
    await writeFile(
      script,
      `
      import http from "k6/http";
      export const options = { scenarios: { s: { executor: "shared-iterations", vus: 4, iterations: 12 } } };
      export default async function () {
        await http.asyncRequest("GET", __ENV.GAUNTLET_BASE_URL + "/_matrix/client/versions");
      }
      `,
    );
    const summaryFile = join(directory, "summary.json");
    const { code } = await gauntlet("load", script, "--url", server.url, "--engine", "node", "--summary-export", summaryFile,
      "--execution-segment", "1/4:1", "--execution-segment-sequence", "0,1/4,1");
    expect(code).toBe(0);
    const summary = JSON.parse(await readFile(summaryFile, "utf8")) as { metrics: Record<string, Record<string, unknown>> };
    // Three of the four VUs, so three quarters of the twelve iterations.
    expect(summary.metrics.iterations?.count).toBe(9);
    expect(server.arrivals).toHaveLength(9);
  } finally {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  }
});

test("gauntlet load --emit k6-operator writes a ConfigMap and a TestRun and starts nothing; without --url it is refused", async () => {
  const directory = await mkdtemp(join(tmpdir(), "gauntlet-load-cli-"));
  try {
    const refused = await gauntlet("load", "delivery-latency", "--emit", "k6-operator", "--emit-dir", directory);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--emit k6-operator needs --url");
    const { code } = await gauntlet("load", "delivery-latency", "--emit", "k6-operator", "--emit-dir", directory, "--url", "https://matrix.example.org", "--parallelism", "3", "--rate", "20");
    expect(code).toBe(0);
    const testRun = JSON.parse((await readFile(join(directory, "testrun.yaml"), "utf8")).replace(/^#.*\n/, "")) as { spec: Record<string, unknown> };
    expect(testRun.spec.parallelism).toBe(3);
    expect(testRun.spec.runner).toMatchObject({ env: [{ name: "GAUNTLET_BASE_URL", value: "https://matrix.example.org" }, { name: "GAUNTLET_RATE", value: "20" }] });
    expect(await readFile(join(directory, "configmap.yaml"), "utf8")).toContain("lib__matrix.ts");
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
