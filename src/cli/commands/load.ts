import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Argv, CommandModule } from "yargs";
import type { EngineChoice } from "../../load/engines/select-engine.ts";
import { K6UnavailableError, selectEngine } from "../../load/engines/select-engine.ts";
import { K6_EXIT_CODE } from "../../load/exit-codes.ts";
import { parseDuration } from "../../load/options/duration.ts";
import { UserError } from "../user-error.ts";

const SCENARIOS_DIRECTORY = fileURLToPath(new URL("../../../scenarios/", import.meta.url));

interface LoadArgs {
  scenario: string;
  url?: string;
  rate?: number;
  vus?: number;
  duration?: string;
  engine: EngineChoice;
  "summary-export"?: string;
  env?: string[];
}

/** A scenario by name (`delivery-latency`) from scenarios/, or any k6 script by path. */
function resolveScenario(name: string): string {
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
function scenarioEnv(args: LoadArgs, baseUrl: string): Record<string, string> {
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

function checkBaseUrl(url: string | undefined): string {
  if (!url) {
    throw new UserError(
      "gauntlet load needs a homeserver: pass --url with its client-server base URL, e.g. --url http://127.0.0.1:8008 " +
        "(the base URL `gauntlet env up` prints)",
    );
  }
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

export const loadCommand: CommandModule<object, LoadArgs> = {
  command: "load <scenario>",
  describe: "Run a k6 load scenario against a homeserver and print its summary",
  builder: (yargs: Argv) =>
    yargs
      .positional("scenario", { type: "string", demandOption: true, describe: "a scenario in scenarios/ (e.g. delivery-latency) or a k6 script path" })
      .option("url", { type: "string", describe: "client-server base URL of the homeserver under load" })
      .option("rate", { type: "number", describe: "arrival rate per second (open-model scenarios)" })
      .option("vus", { type: "number", describe: "virtual users (closed-model scenarios)" })
      .option("duration", { type: "string", describe: 'how long the measured part runs, e.g. "30s", "2m"' })
      .option("engine", { choices: ["auto", "k6", "node"] as const, default: "auto" as EngineChoice, describe: "k6 (binary or grafana/k6 image) or the embedded node engine" })
      .option("summary-export", { type: "string", describe: "write the summary as k6 --summary-export JSON to this file" })
      .option("env", { type: "string", array: true, describe: "KEY=VALUE for the script's __ENV (repeatable)" })
      .conflicts("rate", "vus") as unknown as Argv<LoadArgs>,
  handler: async (args) => {
    const scriptPath = resolveScenario(args.scenario);
    const baseUrl = checkBaseUrl(args.url);
    const env = scenarioEnv(args, baseUrl);
    const { engine, notice } = await selectEngine(args.engine).catch((error: unknown) => {
      throw error instanceof K6UnavailableError ? new UserError(error.message) : error;
    });
    if (notice) process.stderr.write(`${notice}\n`);
    process.stderr.write(`load: ${args.scenario} against ${baseUrl} with ${engine.description}\n`);
    const scratch = args["summary-export"] ? undefined : await mkdtemp(join(tmpdir(), "gauntlet-load-"));
    const summaryExportPath = args["summary-export"] ? resolve(args["summary-export"]) : join(scratch!, "summary.json");
    try {
      const result = await engine.run({ scriptPath, env, summaryExportPath });
      const outcome = outcomes[result.exitCode] ?? `exit code ${result.exitCode}`;
      const written = args["summary-export"] && result.summary ? `; summary in ${summaryExportPath}` : "";
      process.stderr.write(`load: ${args.scenario} ${outcome}${written}\n`);
      process.exitCode = result.exitCode;
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  },
};
