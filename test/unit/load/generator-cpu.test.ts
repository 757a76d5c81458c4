import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { LoadEngine } from "../../../src/load/engines/load-engine.ts";
import { nodeEngine } from "../../../src/load/engines/node-engine.ts";
import { cpuPercentOver, parseChildCpuSeconds, parseProcessCpu } from "../../../src/load/generator-cpu.ts";
import { renderResources, runMeasured } from "../../../src/load/measured-run.ts";

const NO_PROC = "no /proc/self/stat here (not Linux): the generator's CPU cannot be read";

describe("the children's CPU time in /proc/self/stat", () => {
  test("is cutime + cstime (fields 16 and 17) in seconds, whatever the command name holds", () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
    const line = "4242 (node (a) b) S 1 4242 4242 0 -1 4194304 100 200 0 0 700 300 1234 566 20 0 11 0 5 0";
    expect(parseChildCpuSeconds(line)).toBe(18);
    expect(parseProcessCpu(line)).toEqual({ own: 10, children: 18 });
  });

  test("is null for a line that is not a stat line", () => {
    expect(parseChildCpuSeconds("")).toBeNull();
    expect(parseChildCpuSeconds("4242 (x) S 1 2")).toBeNull();
    expect(parseChildCpuSeconds("4242 (x) S 1 4242 4242 0 -1 0 0 0 0 0 7 3 many 5")).toBeNull();
  });

  test("a share of one core is the CPU seconds over the wall time, to 0.1; null when a reading is missing", () => {
    expect(cpuPercentOver(10, 10.5, 2000)).toBe(25);
    expect(cpuPercentOver(1, 3.333, 1000)).toBe(233.3);
    expect(cpuPercentOver(null, 3, 1000)).toBeNull();
    expect(cpuPercentOver(1, null, 1000)).toBeNull();
    expect(cpuPercentOver(1, 2, 0)).toBeNull();
  });
});

describe("runMeasured with an engine in a child process", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "gauntlet-generator-cpu-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  // A script that keeps its one VU busy computing for about 1.5 s: the engine's process is then
  // on a core for most of its run, which the share must show.
  const BUSY = `
export const options = { scenarios: { busy: { executor: "per-vu-iterations", vus: 1, iterations: 1, maxDuration: "30s" } } };
export default function () {
  const until = performance.now() + 1500;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  if (x < 0) console.log(x);
}
`;

  test("reports the node engine's CPU share of the run, which a busy VU drives above 40%", async ({ skip }) => {
    if (!existsSync("/proc/self/stat")) skip(NO_PROC);
    const script = join(directory, "busy.js");
    await writeFile(script, BUSY);
    const run = await runMeasured({ engine: nodeEngine, scriptPath: script, env: {}, summaryExportPath: join(directory, "busy.json"), quiet: true });
    expect(run.result.exitCode).toBe(0);
    // Start-up (Node, the engine, the script) is in the wall time too, so a 1.5 s busy loop does not reach 100%.
    expect(run.generatorCpuPercent).toBeGreaterThan(40);
    expect(run.generatorCpuPercent).toBeLessThan(100 * 4);
    expect(renderResources(run)).toMatch(/^load generator: \d+\.\d% of one core over the run, initialization included$/m);
  }, 60_000);

  test("reports nothing for an engine that runs in a container: its CPU is not this process's child's", async () => {
    const containerLike: LoadEngine = {
      name: "k6",
      description: "a stand-in for the k6 image that runs nothing",
      runsIn: "container",
      run: async () => ({ exitCode: 0, summary: undefined }),
    };
    const run = await runMeasured({ engine: containerLike, scriptPath: "unused.js", env: {}, summaryExportPath: join(directory, "none.json") });
    expect(run.generatorCpuPercent).toBeUndefined();
    expect(renderResources(run)).not.toContain("load generator");
  });
});
