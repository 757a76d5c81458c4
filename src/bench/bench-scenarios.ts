import type { ScenarioSettings } from "./results.ts";

/**
 * How `gauntlet bench` runs each scenario: parameters sized for a small machine (a
 * bench repeats every scenario per database several times), the metrics its report leads
 * with, and which metric counts the work done per second.
 */
export interface BenchScenario {
  readonly name: string;
  /** Open-model scenarios take --rate; closed-model ones run what they run. */
  readonly openModel: boolean;
  readonly defaultRate?: number;
  /** Whether --duration applies (scenarios with a fixed amount of work ignore it). */
  readonly timed: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly headline: readonly string[];
  readonly throughputMetric?: string;
  /** Runs against the workload `--scale` seeds (and only with it). */
  readonly seededWorkload?: boolean;
}

export const BENCH_SCENARIOS: readonly BenchScenario[] = [
  {
    name: "delivery-latency",
    openModel: true,
    defaultRate: 10,
    timed: true,
    env: { GAUNTLET_SENDERS: "5", GAUNTLET_RECEIVERS: "10" },
    headline: ["delivery_latency", "all_members_received", "send_latency"],
    throughputMetric: "send_latency",
  },
  {
    name: "send-throughput",
    openModel: true,
    defaultRate: 20,
    timed: true,
    env: { GAUNTLET_ROOMS: "10" },
    headline: ["send_latency"],
    throughputMetric: "send_latency",
  },
  {
    name: "incremental-sync",
    openModel: false,
    timed: true,
    env: { GAUNTLET_VUS: "5", GAUNTLET_GAPS: "0.25,1,4", GAUNTLET_CHATTER_RATE: "5" },
    headline: ["/^incremental_sync_after_/"],
    throughputMetric: "/^incremental_sync_after_/",
  },
  {
    name: "login",
    openModel: true,
    defaultRate: 5,
    timed: true,
    env: { GAUNTLET_USERS: "10" },
    headline: ["login_duration"],
    throughputMetric: "login_duration",
  },
  {
    name: "initial-sync",
    openModel: false,
    timed: false,
    env: { GAUNTLET_ROOM_COUNTS: "10,100", GAUNTLET_ITERATIONS: "3" },
    headline: ["/^initial_sync_duration_/", "/^initial_sync_bytes_/"],
  },
  {
    name: "room-ops",
    openModel: false,
    timed: false,
    env: { GAUNTLET_ROOM_SIZE: "20", GAUNTLET_ITERATIONS: "3" },
    headline: ["create_room_duration", "/^join_duration_/"],
  },
  {
    name: "scale-initial-sync",
    openModel: true,
    defaultRate: 2,
    timed: true,
    env: {},
    headline: ["scale_initial_sync", "scale_initial_sync_bytes"],
    throughputMetric: "scale_initial_sync",
    seededWorkload: true,
  },
  {
    name: "scale-incremental-sync",
    openModel: true,
    defaultRate: 10,
    timed: true,
    env: { GAUNTLET_STREAM_RATE: "5" },
    headline: ["scale_incremental_sync"],
    throughputMetric: "scale_incremental_sync",
    seededWorkload: true,
  },
  {
    name: "scale-messages",
    openModel: true,
    defaultRate: 10,
    timed: true,
    env: { GAUNTLET_PAGE_SIZE: "50" },
    headline: ["scale_messages_page"],
    throughputMetric: "scale_messages_page",
    seededWorkload: true,
  },
  {
    name: "scale-join",
    openModel: true,
    defaultRate: 2,
    timed: true,
    env: {},
    headline: ["scale_join"],
    throughputMetric: "scale_join",
    seededWorkload: true,
  },
];

/** What `--scale` runs when no --scenarios are given: every scenario of the seeded workload. */
export const DEFAULT_SCALE_SCENARIOS = BENCH_SCENARIOS.filter((s) => s.seededWorkload).map((s) => s.name);

export const DEFAULT_BENCH_SCENARIOS = ["delivery-latency", "send-throughput", "incremental-sync", "login", "initial-sync", "room-ops"];

export function benchScenario(name: string): BenchScenario | undefined {
  return BENCH_SCENARIOS.find((s) => s.name === name);
}

/** The script's __ENV for one bench run (without the base URL) and what goes into results.json. */
export function scenarioSettings(
  scenario: BenchScenario,
  options: { duration: string; rate?: number; seed: number },
): ScenarioSettings & { offeredRate: number | null } {
  const env: Record<string, string> = { ...scenario.env, GAUNTLET_SEED: String(options.seed) };
  let offeredRate: number | null = null;
  if (scenario.openModel) {
    offeredRate = options.rate ?? scenario.defaultRate ?? null;
    if (offeredRate !== null) env.GAUNTLET_RATE = String(offeredRate);
  }
  if (scenario.timed) env.GAUNTLET_DURATION = options.duration;
  return {
    env,
    duration: scenario.timed ? options.duration : null,
    headline: [...scenario.headline],
    throughputMetric: scenario.throughputMetric ?? null,
    offeredRate,
  };
}

/** Metric names in a summary that a headline entry (a name or /regex/) selects, in a stable order. */
export function matchMetrics(entry: string, names: readonly string[]): string[] {
  if (entry.startsWith("/") && entry.endsWith("/") && entry.length > 2) {
    const pattern = new RegExp(entry.slice(1, -1));
    return names.filter((n) => !n.includes("{") && pattern.test(n)).sort(naturalOrder);
  }
  return names.includes(entry) ? [entry] : [];
}

// incremental_sync_after_4s after _1s, initial_sync_duration_100_rooms after _10_rooms.
function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
