import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { renderBenchReport } from "../../bench/report-html.ts";
import { BENCH_SCENARIOS, benchScenario, DEFAULT_BENCH_SCENARIOS } from "../../bench/bench-scenarios.ts";
import { renderRatioTable } from "../../bench/ratio-table.ts";
import { parseBenchResults, type BenchResults } from "../../bench/results.ts";
import { runBench } from "../../bench/run-bench.ts";
import type { EngineChoice } from "../../load/engines/select-engine.ts";
import { K6UnavailableError, selectEngine } from "../../load/engines/select-engine.ts";
import { parseDuration } from "../../load/options/duration.ts";
import { environmentOptionsFrom, withEnvironmentOptions, type EnvironmentArgs } from "../environment-options.ts";
import { abortOnSignals, exitCodeFor, stderrProgress } from "../progress.ts";
import { UserError } from "../../errors/user-error.ts";
import { resolveScenario } from "./load.ts";
import type { AutoRepeat } from "../../bench/run-bench.ts";

interface BenchArgs extends Omit<EnvironmentArgs, "db"> {
  db: string[];
  scenarios: string;
  repeat: string;
  precision: number;
  budget: string;
  duration: string;
  rate?: number;
  seed: number;
  out?: string;
  engine: EngineChoice;
  "sample-interval": number;
  "from-results"?: string;
}

const DATABASES = ["sqlite", "postgres"] as const;

function listOption(name: string, value: string | string[]): string[] {
  const items = [value].flat().flatMap((v) => v.split(",")).map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UserError(`--${name} is empty; give a comma-separated list`);
  if (new Set(items).size !== items.length) throw new UserError(`--${name} ${value} names something twice`);
  return items;
}

function gauntletVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

// 2025-01-31T12:04:05Z → 2025-01-31T12-04-05Z: a directory name without colons.
function timestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z").replaceAll(":", "-");
}

async function writeReport(results: BenchResults, outDir: string): Promise<string> {
  const path = join(outDir, "report.html");
  await writeFile(path, renderBenchReport(results));
  return path;
}

/** `--repeat N`, or `auto` with its precision and budget. */
export function parseRepeat(args: Pick<BenchArgs, "repeat" | "precision" | "budget">): number | AutoRepeat {
  if (args.repeat === "auto") {
    if (!(args.precision > 0 && args.precision < 2)) throw new UserError(`--precision ${args.precision}: expected the interval's width relative to the ratio, e.g. 0.2`);
    let budgetMs: number;
    try {
      budgetMs = parseDuration(args.budget);
    } catch (error) {
      throw new UserError(`--budget ${args.budget}: ${(error as Error).message}`);
    }
    return { precision: args.precision, budgetMs, maxRepeat: 12 };
  }
  const repeat = Number(args.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new UserError(`--repeat ${args.repeat}: expected a whole number of at least 1, or auto`);
  return repeat;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: "bench",
  describe: "Run load scenarios on fresh SQLite and PostgreSQL environments, repeated, and compare them (results.json, report.html)",
  builder: (yargs: Argv) =>
    withEnvironmentOptions(yargs)
      // --db takes a list here: "sqlite,postgres" is split before yargs checks each value against its choices.
      .default("db", "sqlite,postgres")
      .describe("db", "databases to compare, comma-separated")
      .middleware((argv) => {
        (argv as { db: unknown }).db = [argv.db].flat().flatMap((value) => String(value).split(",").map((s) => s.trim()).filter(Boolean));
      }, true)
      .option("scenarios", {
        type: "string",
        default: DEFAULT_BENCH_SCENARIOS.join(","),
        describe: `scenarios, comma-separated (${BENCH_SCENARIOS.map((s) => s.name).join(", ")})`,
      })
      .option("repeat", { type: "string", default: "3", describe: "runs per scenario and database, each on a fresh environment; auto: until every headline ratio is precise (--precision) or the --budget is spent" })
      .option("precision", { type: "number", default: 0.2, describe: "with --repeat auto: the widest a headline ratio's 95% interval may be, relative to the ratio" })
      .option("budget", { type: "string", default: "30m", describe: "with --repeat auto: the time all scenarios may take together" })
      .option("duration", { type: "string", default: "20s", describe: "measured duration of timed scenarios, e.g. 20s, 1m" })
      .option("rate", { type: "number", describe: "arrival rate per second for every open-model scenario (default: each scenario's bench rate)" })
      .option("seed", { type: "number", default: 1, describe: "GAUNTLET_SEED for every run: the same workload on every database" })
      .option("out", { type: "string", describe: "output directory (default ./gauntlet-bench/<timestamp>/)" })
      .option("engine", { choices: ["auto", "k6", "node"] as const, default: "auto" as EngineChoice, describe: "k6 (binary or grafana/k6 image) or the embedded node engine" })
      .option("sample-interval", { type: "number", default: 1000, describe: "milliseconds between container CPU/memory samples" })
      .option("from-results", { type: "string", describe: "write report.html and the table from an existing results.json instead of running" }) as unknown as Argv<BenchArgs>,
  handler: async (args) => {
    if (args["from-results"]) {
      const file = resolve(args["from-results"]);
      let results: BenchResults;
      try {
        results = parseBenchResults(JSON.parse(await readFile(file, "utf8")));
      } catch (error) {
        throw new UserError(`--from-results ${file}: ${(error as Error).message}`);
      }
      const outDir = args.out ? resolve(args.out) : dirname(file);
      await mkdir(outDir, { recursive: true });
      const report = await writeReport(results, outDir);
      process.stdout.write(`${renderRatioTable(results)}\n\nreport: ${report}\n`);
      return;
    }
    const databases = listOption("db", args.db).map((db) => {
      if (!(DATABASES as readonly string[]).includes(db)) throw new UserError(`--db ${db}: expected sqlite or postgres`);
      return db as (typeof DATABASES)[number];
    });
    const scenarios = listOption("scenarios", args.scenarios).map((name) => {
      const scenario = benchScenario(name);
      if (!scenario) throw new UserError(`--scenarios: no bench scenario "${name}"; the bench scenarios are ${BENCH_SCENARIOS.map((s) => s.name).join(", ")}`);
      return { scenario, scriptPath: resolveScenario(name) };
    });
    const repeat = parseRepeat(args);
    if (args.rate !== undefined && !(args.rate > 0)) throw new UserError(`--rate ${args.rate}: expected a positive number of arrivals per second`);
    if (!(args["sample-interval"] >= 100)) throw new UserError(`--sample-interval ${args["sample-interval"]}: expected at least 100 ms`);
    try {
      if (parseDuration(args.duration) < 1000) throw new Error("a bench run needs at least 1s");
    } catch (error) {
      throw new UserError(`--duration ${args.duration}: ${(error as Error).message}`);
    }
    const { engine, notice } = await selectEngine(args.engine).catch((error: unknown) => {
      throw error instanceof K6UnavailableError ? new UserError(error.message) : error;
    });
    const progress = stderrProgress();
    if (notice) progress(notice);
    const outDir = resolve(args.out ?? join("gauntlet-bench", timestamp()));
    await mkdir(outDir, { recursive: true });
    const { database: _database, ...environment } = environmentOptionsFrom({ ...args, db: "sqlite" });
    progress(
      `bench: ${scenarios.map((s) => s.scenario.name).join(", ")} on ${databases.join(", ")}, ${typeof repeat === "number" ? `${repeat} repeat(s)` : `repeats until ±${(repeat.precision * 50).toFixed(0)}% or ${args.budget}`}, ` +
        `${args.duration} each, seed ${args.seed}, ${engine.description}; writing to ${outDir}`,
    );
    const controller = new AbortController();
    const signals = abortOnSignals(controller);
    try {
      const results = await runBench({
        databases,
        scenarios,
        repeat,
        duration: args.duration,
        ...(args.rate !== undefined ? { rate: args.rate } : {}),
        seed: args.seed,
        outDir,
        engine,
        environment,
        sampleIntervalMs: args["sample-interval"],
        signal: controller.signal,
        progress,
        gauntletVersion: gauntletVersion(),
      });
      const report = await writeReport(results, outDir);
      process.stdout.write(`${renderRatioTable(results)}\n\nresults: ${join(outDir, "results.json")}\nreport:  ${report}\n`);
      const failed = results.runs.filter((run) => run.problems.length > 0 || !Object.keys(run.metrics).length);
      if (failed.length) progress(`bench: ${failed.length} run(s) had problems; see "problems" in results.json`);
      const interrupted = signals.signalled();
      process.exitCode = interrupted ? exitCodeFor(interrupted) : failed.length ? 1 : 0;
    } finally {
      signals.dispose();
    }
  },
};
