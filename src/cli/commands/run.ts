import type { Argv, CommandModule } from "yargs";
import { renderTerminal } from "../../../reporters/terminal.ts";
import { runPipeline } from "../../run/pipeline.ts";
import type { TargetRequest } from "../../run/target.ts";
import { environmentOptionsFrom, withEnvironmentOptions, type EnvironmentArgs } from "../environment-options.ts";
import { abortOnSignals, exitCodeFor, stderrProgress } from "../progress.ts";

interface RunArgs extends EnvironmentArgs {
  run?: string;
  url?: string;
  target?: string;
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

function targetOf(argv: RunArgs): TargetRequest {
  if (argv.target) return { kind: "file", path: argv.target };
  if (argv.url) {
    return {
      kind: "url",
      url: argv.url,
      implementation: argv.hs,
      ...(argv.serverName ? { serverName: argv.serverName } : {}),
      ...(argv.registrationSecret ? { registrationSecret: argv.registrationSecret } : {}),
    };
  }
  return argv.run ? { kind: "run", runId: argv.run } : { kind: "start", options: environmentOptionsFrom(argv) };
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: "run",
  describe: "run the compliance suites against a homeserver and gate on the expectations file",
  builder: (yargs) =>
    withEnvironmentOptions(yargs as Argv<object>)
      // Two homeservers by default: federation/two-homeservers needs a second real implementation.
      .default("servers", 2)
      .option("run", { type: "string", describe: "test a running environment (`gauntlet env up`) instead of starting one" })
      .option("url", { type: "string", describe: "test an existing homeserver at this client-server base URL" })
      .option("target", { type: "string", describe: "test the deployment a target file describes (the JSON file gauntlet run hands its suites, e.g. one the mutation check writes)" })
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
      .conflicts("run", "url")
      .conflicts("target", ["run", "url"]) as unknown as Argv<RunArgs>,
  handler: async (argv) => {
    const controller = new AbortController();
    const signals = abortOnSignals(controller);
    try {
      const { results, reports } = await runPipeline({
        target: targetOf(argv),
        selection: {
          suites: argv.suite,
          ...(argv.grep ? { grep: argv.grep } : {}),
          ...(argv.shard ? { shard: argv.shard } : {}),
          ...(argv.shuffle !== undefined ? { shuffle: argv.shuffle } : {}),
          ...(argv.workers ? { workers: argv.workers } : {}),
          ...(argv.concurrency !== undefined ? { concurrency: argv.concurrency } : {}),
        },
        ...(argv.expect ? { expect: argv.expect } : {}),
        strict: argv.strict,
        out: argv.out,
        allure: argv.allure,
        keep: argv.keep,
        requestTimeoutMs: Math.round(argv.requestTimeout * 1000),
        progress: stderrProgress(argv.quiet),
        signal: controller.signal,
      });
      process.stdout.write(renderTerminal(results, reports.paths));
      for (const note of reports.notes) process.stderr.write(`note: ${note}\n`);
      const interrupted = signals.signalled();
      process.exitCode = interrupted ? exitCodeFor(interrupted) : results.gate.exitCode;
    } catch (error) {
      const interrupted = signals.signalled();
      if (!interrupted) throw error;
      process.exitCode = exitCodeFor(interrupted);
    } finally {
      signals.dispose();
    }
  },
};
