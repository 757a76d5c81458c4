import { randomInt } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Argv, CommandModule } from "yargs";
import type { RunResults } from "../../../reporters/results.ts";
import { renderTerminal } from "../../../reporters/terminal.ts";
import { Environment, startEnvironment } from "../../env/environment.ts";
import { REQUEST_TIMEOUT_VARIABLE, RUN_ID_VARIABLE, TARGET_FILE_VARIABLE, type TargetFile, type TargetHomeserver } from "../../gate/deployment.ts";
import { evaluateGate, expectationsFor } from "../../gate/expectations.ts";
import { writeReports } from "../../gate/reports.ts";
import { runSuites, selectSuiteFiles, suiteFiles } from "../../gate/suite-runner.ts";
import { environmentOptionsFrom, implementationKeyFrom, withEnvironmentOptions, type EnvironmentArgs } from "../environment-options.ts";
import { abortOnSignals, exitCodeFor, stderrProgress } from "../progress.ts";
import { UserError } from "../user-error.ts";


interface RunArgs extends EnvironmentArgs {
  run?: string;
  url?: string;
  registrationSecret?: string;
  serverName?: string;
  suite: string[];
  grep?: string;
  shard?: string;
  out: string;
  expect?: string;
  strict: boolean;
  keep: boolean;
  allure: boolean;
  workers?: number;
  concurrency?: number;
  shuffle?: string;
  requestTimeout: number;
  quiet: boolean;
}

/** `i/n` with 1 ≤ i ≤ n, as vitest's --shard takes it. */
export function parseShard(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || index < 1 || count < 1 || index > count) throw new UserError(`--shard ${value}: expected i/n with 1 ≤ i ≤ n, e.g. 1/3`, 2);
  return { index, count };
}

/** `--shuffle` alone picks a seed; `--shuffle SEED` repeats the order of an earlier run. */
export function parseShuffle(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === "") return randomInt(1, 2 ** 31);
  if (!/^\d{1,10}$/.test(value)) throw new UserError(`--shuffle ${value}: expected a whole-number seed, or no value for a random one`, 2);
  return Number(value);
}

function urlTarget(argv: RunArgs): TargetHomeserver {
  let url: URL;
  try {
    url = new URL(argv.url ?? "");
  } catch {
    throw new UserError(`--url ${argv.url}: not a URL; give the client-server base URL, e.g. http://127.0.0.1:8008`, 2);
  }
  return {
    name: "hs1",
    baseUrl: url.toString().replace(/\/+$/, ""),
    serverName: argv.serverName ?? url.host,
    provisioning: argv.registrationSecret
      ? { kind: "profile", profile: argv.hs, registrationSharedSecret: argv.registrationSecret }
      : { kind: "open-registration" },
  };
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: "run",
  describe: "run the compliance suites against a homeserver and gate on the expectations file",
  builder: (yargs) =>
    withEnvironmentOptions(yargs as Argv<object>)
      // Two homeservers by default: the interop suites need a second real implementation.
      .default("servers", 2)
      .option("run", { type: "string", describe: "test a running environment (`gauntlet env up`) instead of starting one" })
      .option("url", { type: "string", describe: "test an existing homeserver at this client-server base URL" })
      .option("registration-secret", { type: "string", describe: "with --url: the profile's admin registration secret; without it users register through open registration (m.login.dummy)" })
      .option("server-name", { type: "string", describe: "with --url: the homeserver's server name (default: the URL's host:port)" })
      .option("suite", { type: "string", array: true, default: [] as string[], describe: "suite ids or folders to run (e.g. client/login, client); default all" })
      .option("grep", { type: "string", describe: "only tests whose name matches this regular expression" })
      .option("shard", { type: "string", describe: "run shard i of n (i/n), for splitting across CI jobs" })
      .option("out", { type: "string", default: "gauntlet-results", describe: "directory for results.json, junit.xml, summary.md and the Allure report" })
      .option("expect", { type: "string", describe: "expectations file (default: expectations/<hs>.json when it exists)" })
      .option("strict", { type: "boolean", default: false, describe: "unexpected passes and stale expectations fail the gate too" })
      .option("keep", { type: "boolean", default: false, describe: "leave the environment running afterwards" })
      .option("allure", { type: "boolean", default: true, describe: "write Allure results and the HTML report (needs Java)" })
      .option("workers", { type: "number", describe: "suite files run in parallel (default 3)" })
      .option("concurrency", { type: "number", describe: "tests of one file run at once (default 4; 1 runs them one after another)" })
      .option("shuffle", { type: "string", describe: "run files and tests in a random order; the seed is printed, --shuffle SEED repeats an order" })
      .option("request-timeout", { type: "number", default: 15, describe: "seconds any one request to the homeserver may take (long-polls add their poll time)" })
      .option("quiet", { type: "boolean", default: false, describe: "no progress lines on stderr" })
      .conflicts("run", "url") as unknown as Argv<RunArgs>,
  handler: async (argv) => {
    if (argv.shard) parseShard(argv.shard);
    const shuffleSeed = parseShuffle(argv.shuffle);
    if (argv.concurrency !== undefined && !(Number.isInteger(argv.concurrency) && argv.concurrency >= 1)) {
      throw new UserError(`--concurrency ${argv.concurrency}: expected a whole number of at least 1`, 2);
    }
    if (argv.grep) {
      try {
        new RegExp(argv.grep);
      } catch (error) {
        throw new UserError(`--grep ${argv.grep}: ${(error as Error).message}`, 2);
      }
    }
    const allFiles = suiteFiles();
    const files = selectSuiteFiles(allFiles, argv.suite);
    const { file: expectationsPath, expectations } = expectationsFor(implementationKeyFrom(argv), argv.expect);
    const progress = stderrProgress(argv.quiet);
    const startedAt = new Date();

    const controller = new AbortController();
    const signals = abortOnSignals(controller);
    let environment: Environment | undefined;
    let startedHere = false;
    let targetDir: string | undefined;
    let environmentMs = 0;
    try {
      const workerEnv: Record<string, string> = { [REQUEST_TIMEOUT_VARIABLE]: String(Math.round(argv.requestTimeout * 1000)) };
      let target: RunResults["target"];
      if (argv.url) {
        const hs = urlTarget(argv);
        targetDir = mkdtempSync(join(tmpdir(), "gauntlet-target-"));
        const file = join(targetDir, "target.json");
        const content: TargetFile = { version: 1, profile: argv.hs, homeservers: [hs] };
        writeFileSync(file, JSON.stringify(content), { mode: 0o600 });
        workerEnv[TARGET_FILE_VARIABLE] = file;
        target = { homeserver: argv.hs, database: null, runId: null, baseUrls: [hs.baseUrl] };
      } else {
        const envStart = Date.now();
        if (argv.run) {
          try {
            environment = Environment.load(argv.run);
          } catch (error) {
            throw new UserError((error as Error).message, 2);
          }
        } else {
          progress(`starting ${argv.hs} on ${argv.db}…`);
          environment = await startEnvironment({ ...environmentOptionsFrom(argv), signal: controller.signal, progress });
          startedHere = true;
        }
        environmentMs = Date.now() - envStart;
        workerEnv[RUN_ID_VARIABLE] = environment.runId;
        target = {
          homeserver: environment.state.profile,
          database: environment.state.database,
          runId: environment.runId,
          baseUrls: environment.homeservers.map((hs) => hs.baseUrl),
        };
      }

      progress(`running ${files.length} suite file(s)${argv.grep ? ` matching /${argv.grep}/` : ""}${argv.shard ? `, shard ${argv.shard}` : ""}${shuffleSeed !== undefined ? `, shuffled (--shuffle ${shuffleSeed} repeats this order)` : ""} against ${target.baseUrls.join(", ")}`);
      const outcome = await runSuites({
        files,
        ...(argv.grep ? { grep: argv.grep } : {}),
        ...(argv.shard ? { shard: argv.shard } : {}),
        ...(argv.workers ? { maxWorkers: argv.workers } : {}),
        ...(argv.concurrency ? { concurrency: argv.concurrency } : {}),
        ...(shuffleSeed !== undefined ? { shuffleSeed } : {}),
        env: workerEnv,
        progress,
        signal: controller.signal,
      });

      const interrupted = signals.signalled();
      const errors = interrupted ? [...outcome.errors, `interrupted by ${interrupted}: the results are partial`] : outcome.errors;
      // A shard runs only some of the selected files: expectations of the others are not stale.
      const ranFiles = argv.shard ? files.filter((file) => outcome.records.some((record) => record.file === file)) : files;
      const verdict = evaluateGate({ tests: outcome.records, allFiles, selectedFiles: ranFiles, errors, expectations, strict: argv.strict });
      const results: RunResults = {
        version: 1,
        tool: "gauntlet",
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
        target,
        selection: { suites: argv.suite, grep: argv.grep ?? null, shard: argv.shard ?? null, shuffleSeed: shuffleSeed ?? null, concurrency: argv.concurrency ?? null },
        timings: { environmentMs, suitesMs: outcome.durationMs },
        errors,
        expectations: { file: expectationsPath, strict: argv.strict, stale: verdict.stale },
        gate: { passed: verdict.passed, exitCode: verdict.exitCode, reasons: verdict.reasons },
        summary: verdict.summary,
        tests: verdict.tests,
      };
      const reports = await writeReports(results, argv.out, { allure: argv.allure });
      process.stdout.write(renderTerminal(results, reports.paths));
      for (const note of reports.notes) process.stderr.write(`note: ${note}\n`);
      process.exitCode = interrupted ? exitCodeFor(interrupted) : verdict.exitCode;
    } catch (error) {
      const interrupted = signals.signalled();
      if (interrupted) {
        process.exitCode = exitCodeFor(interrupted);
        return;
      }
      throw error;
    } finally {
      signals.dispose();
      if (targetDir) rmSync(targetDir, { recursive: true, force: true });
      if (environment && startedHere) {
        if (argv.keep) progress(`keeping run ${environment.runId}; stop it with \`gauntlet env down ${environment.runId}\``);
        else {
          progress(`tearing down run ${environment.runId}`);
          await environment.stop().catch((error: Error) => process.stderr.write(`gauntlet: teardown of ${environment?.runId} failed: ${error.message}\n`));
        }
      }
    }
  },
};
