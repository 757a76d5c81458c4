import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { renderBenchReport } from "../../bench/report-html.ts";
import { BENCH_SCENARIOS, benchScenario, DEFAULT_BENCH_SCENARIOS, DEFAULT_SCALE_SCENARIOS } from "../../bench/bench-scenarios.ts";
import { parseSlo } from "../../bench/capacity.ts";
import { benchSides } from "../../bench/sides.ts";
import { formatScale, parseScale, SCALE_PRESETS } from "../../bench/workload/scale.ts";
import { getProfile, profileNames } from "../../env/profiles/index.ts";
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
import type { AutoRepeat, BenchOptions } from "../../bench/run-bench.ts";

interface BenchArgs extends Omit<EnvironmentArgs, "db" | "hs"> {
  db: string[];
  hs: string[];
  scenarios?: string;
  scale?: string;
  slo?: string;
  "capacity-start": number;
  "capacity-max": number;
  "capacity-steps": number;
  "capacity-budget": string;
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
  ported: boolean;
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

/** --slo and the bounds of its search. */
export function capacityOptions(args: Pick<BenchArgs, "slo" | "capacity-start" | "capacity-max" | "capacity-steps" | "capacity-budget">): NonNullable<BenchOptions["capacity"]> {
  const slo = parseSlo(args.slo ?? "");
  const start = args["capacity-start"];
  const max = args["capacity-max"];
  if (!(start > 0)) throw new UserError(`--capacity-start ${start}: expected a positive rate per second`);
  if (!(max >= start)) throw new UserError(`--capacity-max ${max}: expected at least --capacity-start (${start})`);
  const steps = args["capacity-steps"];
  if (!Number.isInteger(steps) || steps < 2) throw new UserError(`--capacity-steps ${steps}: expected a whole number of at least 2`);
  let budgetMs: number;
  try {
    budgetMs = parseDuration(args["capacity-budget"]);
  } catch (error) {
    throw new UserError(`--capacity-budget ${args["capacity-budget"]}: ${(error as Error).message}`);
  }
  return { slo, search: { startRate: start, maxRate: max, growth: 2, maxSteps: steps, precision: 0.15, budgetMs } };
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: "bench",
  describe: "Run load scenarios on fresh environments per implementation and database (SQLite, PostgreSQL), repeated or searching capacity, and compare them (results.json, report.html)",
  builder: (yargs: Argv) =>
    withEnvironmentOptions(yargs)
      // --db takes a list here: "sqlite,postgres" is split before yargs checks each value against its choices.
      .default("db", "sqlite,postgres")
      .describe("db", "databases to compare, comma-separated")
      .describe("hs", "homeserver implementations to compare, comma-separated: every one on every --db, one report")
      // --db and --hs take lists here: "sqlite,postgres" is split before yargs checks each value against its choices.
      .middleware((argv) => {
        const split = (value: unknown) => [value].flat().flatMap((v) => String(v).split(",").map((s) => s.trim()).filter(Boolean));
        (argv as { db: unknown }).db = split(argv.db);
        (argv as { hs: unknown }).hs = split(argv.hs);
      }, true)
      .option("scenarios", {
        type: "string",
        defaultDescription: `${DEFAULT_BENCH_SCENARIOS.join(",")}; with --scale ${DEFAULT_SCALE_SCENARIOS.join(",")}`,
        describe: `scenarios, comma-separated (${BENCH_SCENARIOS.map((s) => s.name).join(", ")})`,
      })
      .option("scale", {
        type: "string",
        describe: `seed every environment with a workload made from --seed before measuring: ${Object.keys(SCALE_PRESETS).join(", ")}, or rooms=N,members=N,timeline=N`,
      })
      .option("ported", {
        type: "boolean",
        default: false,
        describe: "the PostgreSQL side is the seeded SQLite deployment ported with the implementation's own tool (synapse_port_db), served beside it: both sides on the same data",
      })
      .option("slo", { type: "string", describe: "search each open-model scenario's capacity on each side instead of repeating: the highest arrival rate that holds e.g. p99<500ms" })
      .option("capacity-start", { type: "number", default: 2, describe: "with --slo: the first rate tried, per second" })
      .option("capacity-max", { type: "number", default: 200, describe: "with --slo: the highest rate tried, per second" })
      .option("capacity-steps", { type: "number", default: 8, describe: "with --slo: the most steps per scenario and side" })
      .option("capacity-budget", { type: "string", default: "5m", describe: "with --slo: the time each scenario's search may take on each side" })
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
    const implementations = listOption("hs", args.hs).map((hs) => {
      if (!profileNames().includes(hs)) throw new UserError(`--hs ${hs}: expected one of ${profileNames().join(", ")}`);
      return hs;
    });
    const scale = args.scale !== undefined ? parseScale(args.scale) : undefined;
    const scenarioNames = args.scenarios ?? (scale ? DEFAULT_SCALE_SCENARIOS : DEFAULT_BENCH_SCENARIOS).join(",");
    const scenarios = listOption("scenarios", scenarioNames).map((name) => {
      const scenario = benchScenario(name);
      if (!scenario) throw new UserError(`--scenarios: no bench scenario "${name}"; the bench scenarios are ${BENCH_SCENARIOS.map((s) => s.name).join(", ")}`);
      if (scenario.seededWorkload && !scale) throw new UserError(`--scenarios ${name}: runs against a seeded workload; add --scale (${Object.keys(SCALE_PRESETS).join(", ")}, or rooms=N,members=N,timeline=N)`);
      return { scenario, scriptPath: resolveScenario(name) };
    });
    const repeat = parseRepeat(args);
    const capacity = args.slo !== undefined ? capacityOptions(args) : undefined;
    if (args.ported) {
      const profile = getProfile(implementations[0]!);
      if (implementations.length !== 1 || !profile.portToPostgres) throw new UserError(`--ported: needs one implementation with a porting tool (synapse); got --hs ${implementations.join(",")}`);
      if (databases.length !== 2 || !databases.includes("sqlite") || !databases.includes("postgres")) throw new UserError("--ported: compares SQLite with its PostgreSQL copy; leave --db at sqlite,postgres");
      if (typeof repeat !== "number") throw new UserError("--ported: give a number of repeats (each is one seeded SQLite deployment and its copy), e.g. --repeat 3");
      if (capacity) throw new UserError("--ported: not with --slo");
    }
    if (capacity && !scenarios.some((s) => s.scenario.openModel)) throw new UserError(`--slo: none of the scenarios takes an arrival rate; choose open-model ones (${BENCH_SCENARIOS.filter((s) => s.openModel).map((s) => s.name).join(", ")})`);
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
    const { database: _database, profile: _profile, image, version, ...environment } = environmentOptionsFrom({ ...args, hs: implementations[0]!, db: "sqlite" });
    const sides = benchSides(implementations, databases, { ...(image ? { image } : {}), ...(version ? { version } : {}) });
    progress(
      `bench: ${scenarios.map((s) => s.scenario.name).join(", ")} on ${sides.map((s) => s.key).join(", ")}, ` +
        `${capacity ? `capacity search for ${capacity.slo.text}` : typeof repeat === "number" ? `${repeat} repeat(s)` : `repeats until ±${(repeat.precision * 50).toFixed(0)}% or ${args.budget}`}, ` +
        `${args.duration} each, seed ${args.seed}${scale ? `, scale ${formatScale(scale)}` : ""}, ${engine.description}; writing to ${outDir}`,
    );
    const controller = new AbortController();
    const signals = abortOnSignals(controller);
    try {
      const results = await runBench({
        sides,
        scenarios,
        repeat,
        ...(scale ? { scale: { scale, ...(args.scale && SCALE_PRESETS[args.scale.trim()] ? { preset: args.scale.trim() } : {}) } } : {}),
        ...(capacity ? { capacity } : {}),
        ...(args.ported ? { ported: true } : {}),
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
