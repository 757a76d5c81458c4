// Runs only where a real k6 is present (K6_BIN, or k6 on PATH): the embedded engine must split
// and count work exactly as k6 does. Elsewhere each test skips and says so.
import { afterAll, beforeAll, expect, test } from "vitest";
import { findK6Binary, k6BinaryEngine } from "../../../src/load/engines/k6-binary.ts";
import type { LoadEngine } from "../../../src/load/engines/load-engine.ts";
import { nodeEngine } from "../../../src/load/engines/node-engine.ts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer } from "./test-server.ts";

const K6 = findK6Binary();
const NO_K6 = "no k6 binary here: set K6_BIN or put k6 on PATH to compare the embedded engine with it";

let server: TestServer;
let directory: string;
beforeAll(async () => {
  server = await startTestServer();
  directory = await mkdtemp(join(tmpdir(), "gauntlet-k6-fidelity-"));
});
afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

const SCRIPT = `
import http from "k6/http";
import exec from "k6/execution";
export const options = { scenarios: {
  shared: { executor: "shared-iterations", vus: 5, iterations: 23, exec: "shared" },
  rate: { executor: "constant-arrival-rate", rate: 20, timeUnit: "1s", duration: "2s", preAllocatedVUs: 7, maxVUs: 7, exec: "rate" },
} };
export async function shared() { await http.asyncRequest("GET", __ENV.TARGET + "/shared/" + exec.scenario.iterationInTest); }
export async function rate() { await http.asyncRequest("GET", __ENV.TARGET + "/rate/" + exec.scenario.iterationInTest); }
`;

/** The iteration numbers each segment of a 3-way split ran, per scenario, as the server saw them. */
async function segmentsOf(engine: LoadEngine): Promise<Record<string, number[]>[]> {
  const script = join(directory, "split.js");
  await writeFile(script, SCRIPT);
  const runs: Record<string, number[]>[] = [];
  for (const executionSegment of ["0:1/3", "1/3:2/3", "2/3:1"]) {
    const before = server.paths.length;
    const result = await engine.run({
      scriptPath: script,
      env: { TARGET: server.url },
      summaryExportPath: join(directory, "summary.json"),
      executionSegment,
      executionSegmentSequence: "0,1/3,2/3,1",
      quiet: true,
    });
    expect(result.exitCode, `${engine.description}, segment ${executionSegment}`).toBe(0);
    // A quiet run still writes its summary export, and it counts what the server saw.
    expect(result.summary?.metrics.iterations?.count, `${engine.description}: iterations in the summary export`).toBe(server.paths.length - before);
    const seen: Record<string, number[]> = {};
    for (const path of server.paths.slice(before)) {
      const [, scenario, index] = path.split("/");
      (seen[scenario!] ??= []).push(Number(index));
    }
    for (const list of Object.values(seen)) list.sort((a, b) => a - b);
    runs.push(seen);
  }
  return runs;
}

test("each segment of a 3-way split runs the same iterations of the whole test on the embedded engine as on k6", async ({ skip }) => {
  if (!K6) skip(NO_K6);
  const k6 = await segmentsOf(await k6BinaryEngine(K6!));
  const node = await segmentsOf(nodeEngine);
  for (let i = 0; i < 3; i++) {
    expect(node[i]!.shared, `shared-iterations, segment ${i + 1}`).toEqual(k6[i]!.shared);
    // k6 may start one more arrival exactly at the end of the duration (its timer and its deadline
    // race); every arrival before that is the same iteration on the same segment.
    expect(node[i]!.rate, `constant-arrival-rate, segment ${i + 1}`).toEqual(k6[i]!.rate!.filter((n) => n < 40));
  }
}, 120_000);
