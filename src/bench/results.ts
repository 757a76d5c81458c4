import { z } from "zod";

// results.json of `gauntlet bench`: provenance, settings and every run's full metrics, so that
// the report and any later comparison can be recomputed from this file alone.

const image = z.object({
  role: z.string(),
  name: z.string(),
  origin: z.string(),
  id: z.string().nullable(),
  repoDigests: z.array(z.string()),
  created: z.string().nullable(),
});

const databaseProvenance = z.object({
  images: z.array(image),
  homeserver: z.object({
    implementation: z.string(),
    /** From GET /_matrix/federation/v1/version. */
    version: z.string().nullable(),
    /** The Server header of GET /_matrix/client/versions. */
    serverHeader: z.string().nullable(),
    clientVersions: z.array(z.string()),
  }),
  postgres: z.object({ version: z.string().nullable(), settings: z.record(z.string(), z.string()) }).nullable(),
  /** The configuration settings that bear on performance, as the container runs them. */
  config: z.record(z.string(), z.unknown()),
  problems: z.array(z.string()),
});

const machine = z.object({
  cpuModel: z.string(),
  cores: z.number(),
  memoryBytes: z.number(),
  os: z.string(),
  kernel: z.string(),
  arch: z.string(),
  node: z.string(),
  containerEngine: z.string(),
  /** 1, 5 and 15 minute load averages when the bench started: a busy machine skews every number. */
  loadAverage: z.array(z.number()),
});

const resourceSummary = z.object({
  role: z.string(),
  samples: z.number(),
  cpuPercentMean: z.number(),
  cpuPercentMax: z.number(),
  memoryBytesMean: z.number(),
  memoryBytesMax: z.number(),
});

const metricValues = z.record(z.string(), z.union([z.number(), z.record(z.string(), z.boolean())]));

const run = z.object({
  scenario: z.string(),
  database: z.string(),
  /** 1-based. */
  repeat: z.number(),
  runId: z.string(),
  startedAt: z.string(),
  wallMs: z.number(),
  /** The machine's 1-minute load average when the run started. */
  loadAverage1m: z.number(),
  /** Share of the machine's CPU time stolen by the hypervisor during the run (/proc/stat), 0–100. */
  stealPercent: z.number().nullable().optional(),
  /** The load generator's CPU over the engine run, initialization included (100 = one core); null where it could not be read (a container, not Linux). */
  generatorCpuPercent: z.number().nullable().optional(),
  exitCode: z.number(),
  /** Arrivals per second the scenario was asked for (open model); null for closed-model scenarios. */
  offeredRate: z.number().nullable(),
  /** Completed headline operations per second of the measured duration. */
  achievedRate: z.number().nullable(),
  droppedIterations: z.number(),
  metrics: z.record(z.string(), metricValues),
  resources: z.array(resourceSummary),
  /** Per container: [unix ms, CPU %, memory bytes] every sampling interval. */
  series: z.array(z.object({ role: z.string(), samples: z.array(z.tuple([z.number(), z.number(), z.number()])) })),
  databaseBytes: z.record(z.string(), z.number()),
  problems: z.array(z.string()),
});

const scenarioSettings = z.object({
  /** __ENV given to the script, the base URL left out (it differs per run). */
  env: z.record(z.string(), z.string()),
  duration: z.string().nullable(),
  /** Trend metrics (names or /regex/) the report leads with. */
  headline: z.array(z.string()),
  throughputMetric: z.string().nullable(),
});

const capacityStep = z.object({
  rate: z.number(),
  phase: z.enum(["ramp", "bisect"]),
  latencyMs: z.number().nullable(),
  samples: z.number(),
  achievedRate: z.number().nullable(),
  droppedIterations: z.number(),
  failedPercent: z.number(),
  withinSlo: z.boolean(),
  note: z.string(),
});

const capacityResult = z.object({
  slo: z.string(),
  capacity: z.number().nullable(),
  failedAt: z.number().nullable(),
  steps: z.array(capacityStep),
  stopped: z.string(),
});

export const benchResultsSchema = z.object({
  version: z.literal(1),
  tool: z.literal("gauntlet bench"),
  startedAt: z.string(),
  finishedAt: z.string(),
  interrupted: z.boolean(),
  settings: z.object({
    /** The sides compared: a database name, or `<implementation>-<database>` with several implementations. */
    databases: z.array(z.string()),
    implementations: z.array(z.string()).optional(),
    scenarios: z.array(z.string()),
    /** Repeats per scenario and database; with --repeat auto, the most any scenario needed. */
    repeat: z.number(),
    /** --repeat auto: the relative width of the 95% interval each headline ratio had to reach, and the time budget. */
    auto: z.object({ precision: z.number(), budgetMs: z.number(), maxRepeat: z.number() }).optional(),
    /** Per scenario with --repeat auto: why it stopped repeating, after how many repeats. */
    stopped: z.record(z.string(), z.object({ repeats: z.number(), reason: z.string() })).optional(),
    seed: z.number(),
    /** The seeded workload of the scale scenarios (--scale). */
    scale: z.object({ rooms: z.number(), members: z.number(), timeline: z.number(), preset: z.string().optional() }).optional(),
    /** --slo: a capacity search instead of repeats. */
    capacity: z.object({ slo: z.string(), startRate: z.number(), maxRate: z.number(), growth: z.number(), maxSteps: z.number(), precision: z.number(), budgetMs: z.number() }).optional(),
    /** --ported: the PostgreSQL side is a copy of the seeded SQLite side made with the profile's porting tool. */
    ported: z.boolean().optional(),
    duration: z.string(),
    rate: z.number().nullable(),
    sampleIntervalMs: z.number(),
  }),
  provenance: z.object({
    machine,
    engine: z.object({ name: z.string(), description: z.string() }),
    gauntletVersion: z.string(),
    databases: z.record(z.string(), databaseProvenance),
  }),
  scenarios: z.record(z.string(), scenarioSettings),
  runs: z.array(run),
  /** Per side, how long seeding the workload took on each environment. */
  seeding: z.record(z.string(), z.array(z.object({ runId: z.string(), wallMs: z.number() }))).optional(),
  /** --ported: how long each environment's port to PostgreSQL took. */
  porting: z.array(z.object({ runId: z.string(), seconds: z.number() })).optional(),
  /** Per scenario and side: the capacity search's steps and the highest rate that held the objective. */
  capacity: z.record(z.string(), z.record(z.string(), capacityResult)).optional(),
});

export type BenchResults = z.infer<typeof benchResultsSchema>;
export type BenchRun = z.infer<typeof run>;
export type CapacityRecord = z.infer<typeof capacityResult>;
export type DatabaseProvenance = z.infer<typeof databaseProvenance>;
export type Machine = z.infer<typeof machine>;
export type ScenarioSettings = z.infer<typeof scenarioSettings>;

/** Parses a results.json, saying which field is wrong when it is not one. */
export function parseBenchResults(json: unknown): BenchResults {
  const parsed = benchResultsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not a gauntlet bench results file: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data;
}
