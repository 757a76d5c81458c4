import { parseDuration } from "./duration.ts";
import { ExecutionTuple } from "./execution-segment.ts";

/** A ramp stage: reach `target` (VUs or iterations per timeUnit) over `duration`. */
export interface Stage {
  readonly durationMs: number;
  readonly target: number;
}

interface ScenarioBase {
  readonly name: string;
  /** The exported function each iteration calls; `default` unless `exec` names another. */
  readonly exec: string;
  readonly startTimeMs: number;
  readonly gracefulStopMs: number;
  readonly env: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

export type ScenarioConfig = ScenarioBase &
  (
    | { readonly executor: "constant-vus"; readonly vus: number; readonly durationMs: number }
    | {
        readonly executor: "ramping-vus";
        readonly startVUs: number;
        readonly stages: readonly Stage[];
        readonly gracefulRampDownMs: number;
      }
    | { readonly executor: "per-vu-iterations"; readonly vus: number; readonly iterations: number; readonly maxDurationMs: number }
    | { readonly executor: "shared-iterations"; readonly vus: number; readonly iterations: number; readonly maxDurationMs: number }
    | {
        readonly executor: "constant-arrival-rate";
        readonly rate: number;
        readonly timeUnitMs: number;
        readonly durationMs: number;
        readonly preAllocatedVUs: number;
        readonly maxVUs: number;
      }
    | {
        readonly executor: "ramping-arrival-rate";
        readonly startRate: number;
        readonly timeUnitMs: number;
        readonly stages: readonly Stage[];
        readonly preAllocatedVUs: number;
        readonly maxVUs: number;
      }
  );

export type ExecutorName = ScenarioConfig["executor"];

/** The part of k6's `options` the engine reads. */
export interface ScriptOptions {
  vus?: number;
  duration?: string;
  iterations?: number;
  stages?: { duration: string; target: number }[];
  scenarios?: Record<string, Record<string, unknown>>;
  thresholds?: Record<string, unknown>;
  setupTimeout?: string;
  teardownTimeout?: string;
  summaryTrendStats?: string[];
  /** This instance's part of the test (`--execution-segment` overrides it). */
  executionSegment?: string;
  /** The parts all instances use (`--execution-segment-sequence` overrides it). */
  executionSegmentSequence?: string;
}

/**
 * The scenarios a script asks for, with k6's defaults; the shortcut options (`vus`, `duration`,
 * `iterations`, `stages`) become one `default` scenario, as in k6.
 */
export function resolveScenarios(options: ScriptOptions): ScenarioConfig[] {
  if (options.scenarios && Object.keys(options.scenarios).length > 0) {
    return Object.entries(options.scenarios).map(([name, raw]) => parseScenario(name, raw));
  }
  const vus = options.vus ?? 1;
  if (options.stages) return [parseScenario("default", { executor: "ramping-vus", startVUs: vus, stages: options.stages })];
  if (options.duration) return [parseScenario("default", { executor: "constant-vus", vus, duration: options.duration })];
  return [parseScenario("default", { executor: "shared-iterations", vus, iterations: options.iterations ?? vus })];
}

function parseScenario(name: string, raw: Record<string, unknown>): ScenarioConfig {
  const where = `scenario "${name}"`;
  const number = (key: string, fallback?: number): number => {
    const value = raw[key] ?? fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new Error(`${where}: ${key} must be a non-negative number, got ${JSON.stringify(raw[key])}`);
    }
    return value;
  };
  const duration = (key: string, fallback?: string): number => {
    const value = raw[key] ?? fallback;
    if (typeof value !== "string" && typeof value !== "number") {
      throw new Error(`${where}: ${key} must be a duration such as "30s", got ${JSON.stringify(raw[key])}`);
    }
    return parseDuration(value);
  };
  const stages = (): Stage[] => {
    const list = raw.stages;
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${where}: stages must be a non-empty list`);
    return list.map((stage: { duration?: string; target?: number }) => ({
      durationMs: parseDuration(stage.duration ?? ""),
      target: typeof stage.target === "number" ? stage.target : 0,
    }));
  };
  const base: ScenarioBase = {
    name,
    exec: typeof raw.exec === "string" ? raw.exec : "default",
    startTimeMs: duration("startTime", "0s"),
    gracefulStopMs: duration("gracefulStop", "30s"),
    env: (raw.env as Record<string, string> | undefined) ?? {},
    tags: (raw.tags as Record<string, string> | undefined) ?? {},
  };
  const executor = raw.executor;
  switch (executor) {
    case "constant-vus":
      return { ...base, executor, vus: number("vus", 1), durationMs: duration("duration") };
    case "ramping-vus":
      return { ...base, executor, startVUs: number("startVUs", 1), stages: stages(), gracefulRampDownMs: duration("gracefulRampDown", "30s") };
    case "per-vu-iterations":
      return { ...base, executor, vus: number("vus", 1), iterations: number("iterations", 1), maxDurationMs: duration("maxDuration", "10m") };
    case "shared-iterations":
      return { ...base, executor, vus: number("vus", 1), iterations: number("iterations", 1), maxDurationMs: duration("maxDuration", "10m") };
    case "constant-arrival-rate": {
      const preAllocatedVUs = number("preAllocatedVUs");
      return {
        ...base,
        executor,
        rate: number("rate"),
        timeUnitMs: duration("timeUnit", "1s"),
        durationMs: duration("duration"),
        preAllocatedVUs,
        maxVUs: Math.max(preAllocatedVUs, number("maxVUs", preAllocatedVUs)),
      };
    }
    case "ramping-arrival-rate": {
      const preAllocatedVUs = number("preAllocatedVUs");
      return {
        ...base,
        executor,
        startRate: number("startRate", 0),
        timeUnitMs: duration("timeUnit", "1s"),
        stages: stages(),
        preAllocatedVUs,
        maxVUs: Math.max(preAllocatedVUs, number("maxVUs", preAllocatedVUs)),
      };
    }
    default:
      throw new Error(
        `${where}: executor ${JSON.stringify(executor)} is not one the node engine runs; use constant-vus, ramping-vus, ` +
          "per-vu-iterations, shared-iterations, constant-arrival-rate or ramping-arrival-rate",
      );
  }
}

/** How many VUs a scenario initializes before it starts, and at most, in this instance's segment. */
export function vuBounds(scenario: ScenarioConfig, segment: ExecutionTuple = ExecutionTuple.of()): { initial: number; max: number } {
  const scaled = (vus: number) => segment.scale(vus);
  switch (scenario.executor) {
    case "constant-vus":
    case "per-vu-iterations":
    case "shared-iterations":
      return { initial: scaled(scenario.vus), max: scaled(scenario.vus) };
    case "ramping-vus": {
      const peak = scaled(Math.max(scenario.startVUs, ...scenario.stages.map((s) => s.target)));
      return { initial: peak, max: peak };
    }
    case "constant-arrival-rate":
    case "ramping-arrival-rate":
      return { initial: scaled(scenario.preAllocatedVUs), max: scaled(scenario.maxVUs) };
  }
}

/**
 * How a scenario's iterations are split among the instances of a segmented test, as k6 splits
 * them: by the segments' shares of the VUs (null: this instance got none of them).
 */
export function iterationShare(config: ScenarioConfig, segment: ExecutionTuple): ExecutionTuple | null {
  switch (config.executor) {
    case "shared-iterations":
      return segment.resegment(config.vus);
    case "constant-arrival-rate":
    case "ramping-arrival-rate":
      return segment.resegment(config.maxVUs);
    default:
      return segment;
  }
}

/** How long a scenario runs at most, from its start, including its graceful stop. */
export function scenarioSpanMs(scenario: ScenarioConfig): number {
  switch (scenario.executor) {
    case "constant-vus":
    case "constant-arrival-rate":
      return scenario.durationMs + scenario.gracefulStopMs;
    case "ramping-vus":
      return scenario.stages.reduce((sum, s) => sum + s.durationMs, 0) + scenario.gracefulRampDownMs + scenario.gracefulStopMs;
    case "ramping-arrival-rate":
      return scenario.stages.reduce((sum, s) => sum + s.durationMs, 0) + scenario.gracefulStopMs;
    case "per-vu-iterations":
    case "shared-iterations":
      return scenario.maxDurationMs + scenario.gracefulStopMs;
  }
}
