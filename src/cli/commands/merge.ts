import type { Argv, CommandModule } from "yargs";
import { renderTerminal } from "../../../reporters/terminal.ts";
import { mergeRuns } from "../../run/merge.ts";
import { writeReports } from "../../run/reports.ts";

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
      .option("expect", { type: "string", describe: "expectations file (default: expectations/<key>.json of the shards' deployment, when it exists)" })
      .option("strict", { type: "boolean", default: false, describe: "unexpected passes and stale expectations fail the gate too" })
      .option("allure", { type: "boolean", default: true, describe: "write Allure results and the HTML report (needs Java)" }) as unknown as Argv<MergeArgs>,
  handler: async (argv) => {
    const merged = mergeRuns(argv.results, { ...(argv.expect ? { expect: argv.expect } : {}), strict: argv.strict });
    const reports = await writeReports(merged, argv.out, { allure: argv.allure });
    process.stdout.write(renderTerminal(merged, reports.paths));
    for (const note of reports.notes) process.stderr.write(`note: ${note}\n`);
    process.exitCode = merged.gate.exitCode;
  },
};
