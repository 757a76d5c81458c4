import type { Argv, CommandModule } from "yargs";
import { renderTerminal } from "../../../reporters/terminal.ts";
import { expectationsFor } from "../../run/expectations.ts";
import { mergeShardResults, readShardResults } from "../../gate/merge.ts";
import { writeReports } from "../../gate/reports.ts";
import { suiteFiles } from "../../gate/suite-runner.ts";
import { UserError } from "../user-error.ts";

interface MergeArgs {
  results: string[];
  out: string;
  expect?: string;
  strict: boolean;
  allure: boolean;
}

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: "merge <results..>",
  describe: "one report and one gate verdict from the results of `gauntlet run --shard i/n` jobs",
  builder: (yargs) =>
    (yargs as Argv<object>)
      .positional("results", { type: "string", array: true, demandOption: true, describe: "each shard's results.json, or the --out directory holding it" })
      .option("out", { type: "string", default: "gauntlet-results", describe: "directory for the merged results.json, junit.xml, summary.md and Allure report" })
      .option("expect", { type: "string", describe: "expectations file (default: expectations/<hs>.json of the shards' homeserver, when it exists)" })
      .option("strict", { type: "boolean", default: false, describe: "unexpected passes and stale expectations fail the gate too" })
      .option("allure", { type: "boolean", default: true, describe: "write Allure results and the HTML report (needs Java)" }) as unknown as Argv<MergeArgs>,
  handler: async (argv) => {
    let shards;
    try {
      shards = argv.results.map(readShardResults);
    } catch (error) {
      throw new UserError((error as Error).message, 2);
    }
    const { file: expectationsFile, expectations } = expectationsFor(shards[0]?.results.target.homeserver ?? "synapse", argv.expect);
    let merged;
    try {
      merged = mergeShardResults(shards, { expectations, expectationsFile, strict: argv.strict, allFiles: suiteFiles() });
    } catch (error) {
      throw new UserError((error as Error).message, 2);
    }
    const reports = await writeReports(merged, argv.out, { allure: argv.allure });
    process.stdout.write(renderTerminal(merged, reports.paths));
    for (const note of reports.notes) process.stderr.write(`note: ${note}\n`);
    process.exitCode = merged.gate.exitCode;
  },
};
