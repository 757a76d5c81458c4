import type { ContainerSeries, ResourceSummary } from "../env/resources.ts";
import { databaseSizes, ResourceSampler } from "../env/resources.ts";
import type { RunState } from "../env/state.ts";
import type { LoadEngine, LoadRunRequest, LoadRunResult } from "./engines/load-engine.ts";
import { cpuPercentOver, readChildCpuSeconds } from "./generator-cpu.ts";

export interface MeasuredRunRequest extends LoadRunRequest {
  readonly engine: LoadEngine;
  /** The environment under load; without it there is nothing to sample (a bare --url). */
  readonly environment?: RunState;
  readonly sampleIntervalMs?: number;
}

export interface MeasuredRun {
  readonly result: LoadRunResult;
  readonly startedAt: string;
  readonly wallMs: number;
  /** Per container (hs1, hs2, postgres), over the whole engine run, setup() included. */
  readonly resources?: ResourceSummary[];
  readonly series?: ContainerSeries[];
  /** On-disk database size per homeserver after the run, in bytes. */
  readonly databaseBytes?: Record<string, number>;
  /**
   * The load generator's CPU over the whole engine run, initialization included (100 = one core);
   * where it ran as a child process on Linux. Near 100, the node engine (its VUs share one event
   * loop) delays its own requests, and the latencies include those delays.
   */
  readonly generatorCpuPercent?: number;
  /** Why resources or database sizes are missing, when they are. */
  readonly problems: string[];
}

/** Runs a k6 script on an engine while sampling the environment's containers, then measures the database. */
export async function runMeasured(request: MeasuredRunRequest): Promise<MeasuredRun> {
  const { engine, environment, sampleIntervalMs, ...loadRequest } = request;
  const problems: string[] = [];
  const sampler = environment ? await ResourceSampler.forRun(environment, sampleIntervalMs ?? 1000) : undefined;
  await sampler?.start();
  const startedAt = new Date();
  const childCpuBefore = engine.runsIn === "child-process" ? await readChildCpuSeconds() : null;
  const started = performance.now();
  let result: LoadRunResult;
  let resources: ResourceSummary[] | undefined;
  try {
    result = await engine.run(loadRequest);
  } finally {
    resources = await sampler?.stop();
  }
  const wallMs = performance.now() - started;
  const generatorCpuPercent = childCpuBefore === null ? null : cpuPercentOver(childCpuBefore, await readChildCpuSeconds(), wallMs);
  let databaseBytes: Record<string, number> | undefined;
  if (environment) {
    try {
      databaseBytes = await databaseSizes(environment);
    } catch (error) {
      problems.push(`database size unavailable: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  return {
    result,
    startedAt: startedAt.toISOString(),
    wallMs,
    ...(resources ? { resources, series: sampler!.series } : {}),
    ...(databaseBytes ? { databaseBytes } : {}),
    ...(generatorCpuPercent !== null ? { generatorCpuPercent } : {}),
    problems,
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Resources, database sizes and the generator's CPU as terminal lines. */
export function renderResources(run: Pick<MeasuredRun, "resources" | "databaseBytes" | "wallMs" | "generatorCpuPercent">): string {
  const lines: string[] = [];
  if (run.resources) {
    lines.push(`resources over ${(run.wallMs / 1000).toFixed(1)} s (CPU: 100% = one core)`);
    lines.push(`  ${"container".padEnd(10)} ${"cpu mean".padStart(9)} ${"cpu max".padStart(9)} ${"mem mean".padStart(10)} ${"mem max".padStart(10)} samples`);
    for (const r of run.resources) {
      lines.push(
        `  ${r.role.padEnd(10)} ${`${r.cpuPercentMean.toFixed(1)}%`.padStart(9)} ${`${r.cpuPercentMax.toFixed(1)}%`.padStart(9)} ` +
          `${megabytes(r.memoryBytesMean).padStart(10)} ${megabytes(r.memoryBytesMax).padStart(10)} ${r.samples}`,
      );
    }
  }
  if (run.databaseBytes) {
    lines.push(`database size: ${Object.entries(run.databaseBytes).map(([hs, bytes]) => `${hs} ${megabytes(bytes)}`).join(", ")}`);
  }
  if (run.generatorCpuPercent !== undefined) {
    lines.push(`load generator: ${run.generatorCpuPercent.toFixed(1)}% of one core over the run, initialization included`);
  }
  return lines.join("\n");
}
