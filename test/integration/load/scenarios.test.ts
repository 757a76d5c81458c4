import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Environment, startEnvironment } from "../../../src/env/environment.ts";
import type { SummaryExport } from "../../../src/load/summary/summary-export.ts";

const MAIN = fileURLToPath(new URL("../../../src/cli/main.ts", import.meta.url));

// Each scenario, briefly and small, on the embedded engine: it must run to the end against
// a real Synapse and produce its headline metrics with samples in them.
const SCENARIOS: { name: string; args: string[]; metrics: string[] }[] = [
  { name: "send-throughput", args: ["--rate", "10", "--duration", "3s", "--env", "GAUNTLET_ROOMS=2"], metrics: ["send_latency", "send_ok"] },
  {
    name: "delivery-latency",
    args: ["--rate", "5", "--duration", "3s", "--env", "GAUNTLET_SENDERS=2", "--env", "GAUNTLET_RECEIVERS=3"],
    metrics: ["delivery_latency", "all_members_received", "delivered_within_5s", "send_latency"],
  },
  { name: "initial-sync", args: ["--env", "GAUNTLET_ROOM_COUNTS=2,5", "--env", "GAUNTLET_ITERATIONS=1"], metrics: ["initial_sync_duration_2_rooms", "initial_sync_bytes_5_rooms"] },
  {
    name: "incremental-sync",
    args: ["--vus", "2", "--duration", "3s", "--env", "GAUNTLET_GAPS=0.2,1", "--env", "GAUNTLET_CHATTER_RATE=2"],
    metrics: ["incremental_sync_after_0_2s", "incremental_sync_after_1s"],
  },
  { name: "room-ops", args: ["--env", "GAUNTLET_ROOM_SIZE=4", "--env", "GAUNTLET_ITERATIONS=1"], metrics: ["create_room_duration", "join_duration_1_plus_members"] },
  { name: "login", args: ["--rate", "2", "--duration", "2s", "--env", "GAUNTLET_USERS=2"], metrics: ["login_duration", "login_ok"] },
];

describe("load scenarios against Synapse", () => {
  let env: Environment;
  let directory: string;
  beforeAll(async () => {
    env = await startEnvironment({ database: "sqlite", servers: 1 });
    directory = await mkdtemp(join(tmpdir(), "gauntlet-load-it-"));
  });
  afterAll(async () => {
    await env?.stop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  test.each(SCENARIOS)("$name runs and produces its metrics", async ({ name, args, metrics }) => {
    const summaryFile = join(directory, `${name}.json`);
    const cli = [MAIN, "load", name, "--engine", "node", "--url", env.homeserver("hs1").baseUrl, "--summary-export", summaryFile, ...args];
    // The exit status and stderr of the run, whether it succeeded or not, so the assertion below can fail with the reason.
    const exit = await promisify(execFile)(process.execPath, cli, { timeout: 240_000 }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number | string | null; signal?: string | null; stderr: string }) => ({ code: error.code ?? error.signal ?? "unknown", stderr: error.stderr }),
    );
    expect(exit.code, `gauntlet load ${name} exited ${exit.code}: ${exit.stderr}`).toBe(0);
    const summary = JSON.parse(await readFile(summaryFile, "utf8")) as SummaryExport;
    expect(Object.keys(summary.metrics), `${name} exports its headline metrics`).toEqual(expect.arrayContaining(metrics));
    for (const metric of metrics) {
      const exported = summary.metrics[metric];
      if (!exported) continue; // reported as missing by the assertion above
      const samples = "count" in exported ? exported.count : "passes" in exported ? Number(exported.passes) + Number(exported.fails) : exported.max;
      expect(samples, `${name}: ${metric} has samples`).toBeGreaterThan(0);
    }
    expect(summary.metrics.http_req_failed?.value, `${name}: no failed requests`).toBe(0);
  });
});
