import type { BenchResults, BenchRun } from "../../../src/bench/results.ts";

/** A run with the given send_latency statistics and resources; everything else plausible. */
export function craftedRun(database: string, repeat: number, latency: { med: number; p95: number; p99: number; max: number; count?: number }, extra: Partial<BenchRun> = {}): BenchRun {
  return {
    scenario: "send-throughput",
    database,
    repeat,
    runId: `run-${database}-${repeat}`,
    startedAt: "2026-01-01T00:00:00.000Z",
    wallMs: 20_000,
    loadAverage1m: 0.5,
    exitCode: 0,
    offeredRate: 20,
    achievedRate: 19.5,
    droppedIterations: 0,
    metrics: {
      send_latency: { avg: latency.med, min: 1, med: latency.med, max: latency.max, "p(90)": latency.p95, "p(95)": latency.p95, "p(99)": latency.p99, count: latency.count ?? 390 },
      http_req_failed: { passes: 0, fails: 400, value: 0 },
    },
    resources: [
      { role: "hs1", samples: 20, cpuPercentMean: 40, cpuPercentMax: 80, memoryBytesMean: 100e6, memoryBytesMax: 120e6 },
      ...(database === "postgres" ? [{ role: "postgres", samples: 20, cpuPercentMean: 10, cpuPercentMax: 20, memoryBytesMean: 50e6, memoryBytesMax: 60e6 }] : []),
    ],
    series: [{ role: "hs1", samples: [[1_700_000_000_000, 30, 100e6], [1_700_000_001_000, 50, 110e6]] }],
    databaseBytes: { hs1: database === "postgres" ? 16e6 : 8e6 },
    problems: [],
    ...extra,
  };
}

export function craftedResults(runs: BenchRun[], repeat = 2): BenchResults {
  return {
    version: 1,
    tool: "gauntlet bench",
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:05:00.000Z",
    interrupted: false,
    settings: { databases: ["sqlite", "postgres"], scenarios: ["send-throughput"], repeat, seed: 7, duration: "20s", rate: null, sampleIntervalMs: 1000 },
    provenance: {
      machine: { cpuModel: "Test CPU", cores: 2, memoryBytes: 8 * 2 ** 30, os: "Debian", kernel: "Linux 6", arch: "x64", node: "v24.0.0", containerEngine: "docker 27", loadAverage: [0.5, 0.4, 0.3] },
      engine: { name: "node", description: "embedded node engine" },
      gauntletVersion: "0.1.0",
      databases: {
        sqlite: {
          images: [{ role: "homeserver", name: "matrixdotorg/synapse:latest", origin: "registry", id: "sha256:abc", repoDigests: ["matrixdotorg/synapse@sha256:def"], created: null }],
          homeserver: { implementation: "synapse", version: "Synapse 1.99.0", serverHeader: "Synapse/1.99.0", clientVersions: ["v1.12"] },
          postgres: null,
          config: { database: "sqlite3" },
          problems: [],
        },
        postgres: {
          images: [{ role: "postgres", name: "postgres:18", origin: "registry", id: "sha256:123", repoDigests: [], created: null }],
          homeserver: { implementation: "synapse", version: "Synapse 1.99.0", serverHeader: "Synapse/1.99.0", clientVersions: ["v1.12"] },
          postgres: { version: "18.1", settings: { shared_buffers: "16384" } },
          config: { database: "psycopg2" },
          problems: [],
        },
      },
    },
    scenarios: {
      "send-throughput": { env: { GAUNTLET_RATE: "20", GAUNTLET_SEED: "7" }, duration: "20s", headline: ["send_latency"], throughputMetric: "send_latency" },
    },
    runs,
  };
}
