import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Argv, CommandModule } from "yargs";
import { k6OperatorManifests } from "../../load/distributed/k6-operator.ts";
import type { EngineChoice } from "../../load/engines/select-engine.ts";
import { K6UnavailableError, selectEngine } from "../../load/engines/select-engine.ts";
import { K6_EXIT_CODE } from "../../load/exit-codes.ts";
import { renderResources, runMeasured } from "../../load/measured-run.ts";
import { parseDuration } from "../../load/options/duration.ts";
import { Environment, startEnvironment } from "../../env/environment.ts";
import { environmentOptionsFrom, withEnvironmentOptions, type EnvironmentArgs } from "../environment-options.ts";
import { abortOnSignals, exitCodeFor, stderrProgress } from "../progress.ts";
import { UserError } from "../../errors/user-error.ts";

const SCENARIOS_DIRECTORY = fileURLToPath(new URL("../../../scenarios/", import.meta.url));

interface LoadArgs extends EnvironmentArgs {
  scenario: string;
  url?: string;
  run?: string;
  rate?: number;
  vus?: number;
  duration?: string;
  engine: EngineChoice;
  "summary-export"?: string;
  env?: string[];
  "execution-segment"?: string;
  "execution-segment-sequence"?: string;
  emit?: "k6-operator";
  "emit-dir": string;
  parallelism: number;
  "k6-image": string;
}

/** A scenario by name (`delivery-latency`) from scenarios/, or any k6 script by path. */
export function resolveScenario(name: string): string {
  if (name.endsWith(".ts") || name.endsWith(".js")) {
    const path = resolve(name);
    if (!existsSync(path)) throw new UserError(`script ${path} does not exist`);
    return path;
  }
  const path = join(SCENARIOS_DIRECTORY, `${name}.ts`);
  if (existsSync(path)) return path;
  const known = readdirSync(SCENARIOS_DIRECTORY).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3));
  throw new UserError(`no scenario "${name}"; the scenarios are ${known.join(", ")} (or give a path to a k6 script)`);
}

/** The script's __ENV: Gauntlet's parameters first, then every --env KEY=VALUE. */
export function scenarioEnv(args: Pick<LoadArgs, "rate" | "vus" | "duration" | "env">, baseUrl: string): Record<string, string> {
  const env: Record<string, string> = { GAUNTLET_BASE_URL: baseUrl };
  if (args.rate !== undefined) env.GAUNTLET_RATE = String(args.rate);
  if (args.vus !== undefined) env.GAUNTLET_VUS = String(args.vus);
  if (args.duration !== undefined) {
    try {
      parseDuration(args.duration);
    } catch (error) {
      throw new UserError(`--duration: ${(error as Error).message}`);
    }
    env.GAUNTLET_DURATION = args.duration;
  }
  for (const pair of args.env ?? []) {
    const equals = pair.indexOf("=");
    if (equals <= 0) throw new UserError(`--env ${pair}: expected KEY=VALUE, e.g. --env GAUNTLET_SEED=7`);
    env[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return env;
}

function checkBaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
  } catch {
    throw new UserError(`--url ${url} is not an http(s) URL; expected e.g. http://127.0.0.1:8008`);
  }
  return url.replace(/\/+$/, "");
}

// The tail of the latency too, and the sample count that says which percentiles it supports.
const LOAD_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "p(99.9)", "count"];

const outcomes: Record<number, string> = {
  [K6_EXIT_CODE.ok]: "passed",
  [K6_EXIT_CODE.thresholdsFailed]: "thresholds failed",
  [K6_EXIT_CODE.scriptException]: "script error",
  [K6_EXIT_CODE.scriptAborted]: "aborted by the script",
  [K6_EXIT_CODE.invalidConfig]: "invalid options",
  [K6_EXIT_CODE.setupTimeout]: "setup() timed out",
};

/** Writes the k6 operator's ConfigMap and TestRun for the scenario against --url; nothing runs here. */
async function emitK6Operator(args: LoadArgs, scriptPath: string): Promise<void> {
  if (!args.url) throw new UserError("--emit k6-operator needs --url: the base URL at which the cluster's runner pods reach the homeserver");
  const name = `gauntlet-${args.scenario.replace(/^.*\//, "").replace(/\.(ts|js)$/, "").toLowerCase().replace(/[^a-z0-9-]+/g, "-")}`.slice(0, 63).replace(/-+$/, "");
  let manifests;
  try {
    manifests = k6OperatorManifests({ scriptPath, env: scenarioEnv(args, checkBaseUrl(args.url)), parallelism: args.parallelism, name, runnerImage: args["k6-image"] });
  } catch (error) {
    throw new UserError(`--emit k6-operator: ${(error as Error).message}`);
  }
  const directory = resolve(args["emit-dir"]);
  await mkdir(directory, { recursive: true });
  for (const [file, text] of Object.entries(manifests.files)) await writeFile(join(directory, file), text);
  process.stdout.write(
    `wrote ${Object.keys(manifests.files).map((f) => join(directory, f)).join(" and ")}\n` +
      `apply with: kubectl apply -f ${directory}/configmap.yaml -f ${directory}/testrun.yaml\n` +
      `the operator splits the test into execution segments ${manifests.segments.map((s) => s.executionSegment).join(", ")} ` +
      `(sequence ${manifests.segments[0]?.executionSegmentSequence}), one per runner\n`,
  );
}

/** An environment started by `gauntlet env up`, named by --run. */
function loadRun(runId: string): Environment {
  try {
    return Environment.load(runId);
  } catch (error) {
    throw new UserError(`--run ${runId}: ${(error as Error).message}`);
  }
}

export const loadCommand: CommandModule<object, LoadArgs> = {
  command: "load <scenario>",
  describe: "Run a k6 load scenario against a fresh environment (or --url / --run) and print its summary and resource use",
  builder: (yargs: Argv) =>
    withEnvironmentOptions(yargs)
      .positional("scenario", { type: "string", demandOption: true, describe: "a scenario in scenarios/ (e.g. delivery-latency) or a k6 script path" })
      .option("url", { type: "string", describe: "client-server base URL of an existing homeserver (no environment is started)" })
      .option("run", { type: "string", describe: "an environment started by `gauntlet env up`: load its hs1 and sample its containers" })
      .option("rate", { type: "number", describe: "arrival rate per second (open-model scenarios)" })
      .option("vus", { type: "number", describe: "virtual users (closed-model scenarios)" })
      .option("duration", { type: "string", describe: 'how long the measured part runs, e.g. "30s", "2m"' })
      .option("engine", { choices: ["auto", "k6", "node"] as const, default: "auto" as EngineChoice, describe: "k6 (binary or grafana/k6 image) or the embedded node engine" })
      .option("summary-export", { type: "string", describe: "write the summary as k6 --summary-export JSON to this file" })
      .option("env", { type: "string", array: true, describe: "KEY=VALUE for the script's __ENV (repeatable)" })
      .option("execution-segment", { type: "string", describe: "run only this part of the test, as k6 does (e.g. 1/4:1/2); other machines run the rest" })
      .option("execution-segment-sequence", { type: "string", describe: "the parts every machine of a split test uses (e.g. 0,1/4,1/2,1)" })
      .option("emit", { choices: ["k6-operator"] as const, describe: "write manifests for Kubernetes' k6 operator to run the scenario distributed, instead of running it" })
      .option("emit-dir", { type: "string", default: "k6-operator", describe: "where --emit writes its manifests" })
      .option("parallelism", { type: "number", default: 4, describe: "with --emit k6-operator: how many runner pods split the test" })
      .option("k6-image", { type: "string", default: "grafana/k6:latest", describe: "with --emit k6-operator: the runner image (k6 v1 or later runs TypeScript)" })
      .conflicts("rate", "vus") as unknown as Argv<LoadArgs>,
  handler: async (args) => {
    const scriptPath = resolveScenario(args.scenario);
    if (args.emit === "k6-operator") return emitK6Operator(args, scriptPath);
    // Refuse a bad --duration or --env before an environment is started for nothing.
    scenarioEnv(args, "http://127.0.0.1");
    const existing = args.run ? loadRun(args.run) : undefined;
    const { engine, notice } = await selectEngine(args.engine).catch((error: unknown) => {
      throw error instanceof K6UnavailableError ? new UserError(error.message) : error;
    });
    if (notice) process.stderr.write(`${notice}\n`);
    const progress = stderrProgress();
    const startsEnvironment = !args.url && !existing;
    const controller = new AbortController();
    // Only a run that starts its own environment takes over Ctrl-C: it must tear that environment down.
    const signals = startsEnvironment ? abortOnSignals(controller) : undefined;
    let started: Environment | undefined;
    const scratch = args["summary-export"] ? undefined : await mkdtemp(join(tmpdir(), "gauntlet-load-"));
    const summaryExportPath = args["summary-export"] ? resolve(args["summary-export"]) : join(scratch!, "summary.json");
    try {
      if (startsEnvironment) {
        // A load run measures the homeserver as deployed: no application service or mail sink of the harness.
        started = await startEnvironment({ ...environmentOptionsFrom(args), harnessServices: false, signal: controller.signal, progress });
      }
      const environment = started ?? existing;
      const baseUrl = args.url ? checkBaseUrl(args.url) : environment!.homeserver("hs1").baseUrl;
      const env = scenarioEnv(args, baseUrl);
      progress(`load: ${args.scenario} against ${baseUrl} with ${engine.description}`);
      const run = await runMeasured({
        engine,
        scriptPath,
        env,
        summaryExportPath,
        summaryTrendStats: LOAD_TREND_STATS,
        ...(args["execution-segment"] ? { executionSegment: args["execution-segment"] } : {}),
        ...(args["execution-segment-sequence"] ? { executionSegmentSequence: args["execution-segment-sequence"] } : {}),
        ...(environment ? { environment: environment.state } : {}),
      });
      const outcome = outcomes[run.result.exitCode] ?? `exit code ${run.result.exitCode}`;
      if (run.resources || run.databaseBytes || run.generatorCpuPercent !== undefined) process.stdout.write(`\n${renderResources(run)}\n`);
      for (const problem of run.problems) progress(`load: ${problem}`);
      const written = args["summary-export"] && run.result.summary ? `; summary in ${summaryExportPath}` : "";
      progress(`load: ${args.scenario} ${outcome}${written}`);
      const interrupted = signals?.signalled();
      process.exitCode = interrupted ? exitCodeFor(interrupted) : run.result.exitCode;
    } catch (error) {
      const interrupted = signals?.signalled();
      if (interrupted) {
        process.exitCode = exitCodeFor(interrupted);
        return;
      }
      throw error;
    } finally {
      signals?.dispose();
      if (scratch) await rm(scratch, { recursive: true, force: true });
      if (started) {
        progress(`load: tearing down run ${started.runId}`);
        await started.stop().catch((error: Error) => process.stderr.write(`gauntlet: teardown of ${started?.runId} failed: ${error.message}\n`));
      }
    }
  },
};
