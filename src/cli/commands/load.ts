import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Argv, CommandModule } from "yargs";
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

const outcomes: Record<number, string> = {
  [K6_EXIT_CODE.ok]: "passed",
  [K6_EXIT_CODE.thresholdsFailed]: "thresholds failed",
  [K6_EXIT_CODE.scriptException]: "script error",
  [K6_EXIT_CODE.scriptAborted]: "aborted by the script",
  [K6_EXIT_CODE.invalidConfig]: "invalid options",
  [K6_EXIT_CODE.setupTimeout]: "setup() timed out",
};

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
      .conflicts("rate", "vus") as unknown as Argv<LoadArgs>,
  handler: async (args) => {
    const scriptPath = resolveScenario(args.scenario);
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
      const run = await runMeasured({ engine, scriptPath, env, summaryExportPath, ...(environment ? { environment: environment.state } : {}) });
      const outcome = outcomes[run.result.exitCode] ?? `exit code ${run.result.exitCode}`;
      if (run.resources || run.databaseBytes) process.stdout.write(`\n${renderResources(run)}\n`);
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
