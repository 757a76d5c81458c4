import type Dockerode from "dockerode";
import { execInContainer } from "./container.ts";
import { queryRunPostgres } from "./database.ts";
import { connectEngine } from "./engine.ts";
import { getProfile } from "./profiles/index.ts";
import type { RunState } from "./state.ts";

/** One reading of a container: CPU as a share of one core (100 = one core busy) and memory. */
export interface ResourceSample {
  t: number;
  cpuPercent: number;
  memoryBytes: number;
}

export interface ContainerSeries {
  role: string;
  containerId: string;
  samples: ResourceSample[];
}

export interface ResourceSummary {
  role: string;
  samples: number;
  cpuPercentMean: number;
  cpuPercentMax: number;
  memoryBytesMean: number;
  memoryBytesMax: number;
}

interface StatsReading {
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/** Containers of a run, by role (hs1, hs2, postgres). */
export function runContainers(state: RunState): { role: string; containerId: string }[] {
  return [
    ...state.homeservers.map((hs) => ({ role: hs.name, containerId: hs.containerId })),
    ...(state.postgres ? [{ role: "postgres", containerId: state.postgres.containerId }] : []),
  ];
}

// Page cache is reclaimable: count what the processes hold (cgroup v1 `cache`, v2 `inactive_file`).
function memoryInUse(reading: StatsReading): number {
  const usage = reading.memory_stats?.usage ?? 0;
  const stats = reading.memory_stats?.stats ?? {};
  return Math.max(0, usage - (stats.total_inactive_file ?? stats.inactive_file ?? stats.cache ?? 0));
}

async function readStats(docker: Dockerode, containerId: string): Promise<StatsReading> {
  // one-shot: a single reading without the engine's own 1 s wait; CPU comes from our own deltas.
  return (await docker.getContainer(containerId).stats({ stream: false, "one-shot": true } as never)) as unknown as StatsReading;
}

/**
 * Samples CPU and memory of containers through the engine API at a fixed interval until
 * stopped. CPU is the container's CPU time over wall time between two readings.
 */
export class ResourceSampler {
  readonly series: ContainerSeries[];
  readonly #docker: Dockerode;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #previous = new Map<string, { cpuNs: number; at: number }>();
  #inFlight: Promise<void> = Promise.resolve();

  constructor(docker: Dockerode, containers: { role: string; containerId: string }[], intervalMs = 1000) {
    this.#docker = docker;
    this.#intervalMs = intervalMs;
    this.series = containers.map((c) => ({ ...c, samples: [] }));
  }

  static async forRun(state: RunState, intervalMs = 1000): Promise<ResourceSampler> {
    return new ResourceSampler((await connectEngine()).docker, runContainers(state), intervalMs);
  }

  async #sample(): Promise<void> {
    await Promise.all(
      this.series.map(async (series) => {
        try {
          const reading = await readStats(this.#docker, series.containerId);
          const cpuNs = reading.cpu_stats?.cpu_usage?.total_usage ?? 0;
          const at = performance.now();
          const previous = this.#previous.get(series.containerId);
          this.#previous.set(series.containerId, { cpuNs, at });
          if (!previous) return;
          const wallNs = (at - previous.at) * 1e6;
          series.samples.push({
            t: Date.now(),
            cpuPercent: wallNs > 0 ? (100 * (cpuNs - previous.cpuNs)) / wallNs : 0,
            memoryBytes: memoryInUse(reading),
          });
        } catch {
          // A container that stopped mid-run simply has no more samples.
        }
      }),
    );
  }

  async start(): Promise<void> {
    await this.#sample();
    this.#timer = setInterval(() => {
      this.#inFlight = this.#inFlight.then(() => this.#sample());
    }, this.#intervalMs);
  }

  async stop(): Promise<ResourceSummary[]> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
    await this.#sample();
    return this.summary();
  }

  summary(): ResourceSummary[] {
    return this.series.map((s) => {
      const cpu = s.samples.map((x) => x.cpuPercent);
      const memory = s.samples.map((x) => x.memoryBytes);
      const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
      return {
        role: s.role,
        samples: s.samples.length,
        cpuPercentMean: mean(cpu),
        cpuPercentMax: cpu.length ? Math.max(...cpu) : 0,
        memoryBytesMean: mean(memory),
        memoryBytesMax: memory.length ? Math.max(...memory) : 0,
      };
    });
  }
}

/**
 * On-disk size of each homeserver's database, in bytes (an embedded one: its files as the
 * profile names them, SQLite with its WAL). A database whose files are not found is left out
 * rather than reported as empty.
 */
export async function databaseSizes(state: RunState): Promise<Record<string, number>> {
  const { docker } = await connectEngine();
  const sizes: Record<string, number> = {};
  for (const hs of state.homeservers) {
    if (hs.database.kind === "sqlite") {
      const files = getProfile(hs.profile).embeddedDatabaseFiles;
      // The globs expand in the container's shell; du totals files and directories alike.
      const out = await execInContainer(docker, hs.containerId, ["sh", "-c", `du -cb -- ${files} 2>/dev/null | tail -n 1 | cut -f 1`]).catch(() => "");
      const bytes = Number(out.trim());
      if (out.trim() !== "" && Number.isFinite(bytes) && bytes > 0) sizes[hs.name] = bytes;
    } else if (state.postgres) {
      sizes[hs.name] = Number(await queryRunPostgres(state, `SELECT pg_database_size('${hs.database.name}')`));
    }
  }
  return sizes;
}
