import { fileURLToPath } from "node:url";
import type { Argv, CommandModule } from "yargs";
import { assertedCases, computeCoverage, formatCoverage, loadInventory, type CoverageTest } from "../../coverage/coverage.ts";
import { readResultsFile } from "../../run/results-file.ts";
import { selectSuiteFiles, suiteFiles } from "../../run/selection.ts";
import { collectSuites } from "../../run/suite-runner.ts";
import { UserError } from "../../errors/user-error.ts";

interface CoverageArgs {
  suite: string[];
  inventory: string;
  results?: string;
  json: boolean;
  min?: number;
  minComplete?: number;
}

const DEFAULT_INVENTORY = fileURLToPath(new URL("../../../fixtures/spec-endpoints.tsv", import.meta.url));

/** The tests of a run with what each asserted: asserted coverage. */
function testsFromResults(file: string): CoverageTest[] {
  let tests;
  try {
    tests = readResultsFile(file).results.tests;
  } catch (error) {
    throw new UserError(`--results ${(error as Error).message}`);
  }
  if (!tests.some((t) => t.asserted !== undefined)) {
    throw new UserError(`--results ${file}: its tests carry no record of what they asserted (written by an older gauntlet); run the suites again`);
  }
  return tests.map((t) => ({ id: t.id, endpoints: t.endpoints, cases: assertedCases(t) }));
}

export const coverageCommand: CommandModule<object, CoverageArgs> = {
  command: "coverage",
  describe: "spec endpoints the suites cover, per API and group, with uncovered endpoints and missing success/error cases",
  builder: (yargs) =>
    (yargs as Argv<object>)
      .option("suite", { type: "string", array: true, default: [] as string[], describe: "suite ids or folders (default: all suites)" })
      .option("inventory", { type: "string", default: DEFAULT_INVENTORY, describe: "endpoint inventory TSV (api, method, path, group, deprecated)" })
      .option("results", { type: "string", describe: "asserted coverage: what a run's passing tests asserted endpoints answered (its results.json), instead of what the suites declare" })
      .option("json", { type: "boolean", default: false, describe: "print one JSON document" })
      .option("min", { type: "number", describe: "exit 1 when client-server coverage of non-deprecated endpoints is below this percentage" })
      .option("min-complete", { type: "number", describe: "exit 1 when the share of non-deprecated client-server endpoints with both a success and an error case is below this percentage" }) as unknown as Argv<CoverageArgs>,
  handler: async (argv) => {
    let inventory;
    try {
      inventory = loadInventory(argv.inventory);
    } catch (error) {
      throw new UserError(`cannot read the endpoint inventory ${argv.inventory}: ${(error as Error).message}`);
    }
    let tests: CoverageTest[];
    if (argv.results) tests = testsFromResults(argv.results);
    else {
      const { records, errors } = await collectSuites(selectSuiteFiles(suiteFiles(), argv.suite));
      if (errors.length > 0) throw new UserError(`some suite files failed to load:\n${errors.join("\n")}`);
      tests = records.map((r) => ({ id: r.id, endpoints: r.endpoints }));
    }
    const report = computeCoverage(inventory, tests, argv.inventory.split("/").pop());
    process.stdout.write(`${argv.json ? JSON.stringify(report, null, 2) : formatCoverage(report)}\n`);
    const clientServer = report.apis.find((a) => a.api === "client-server");
    if (argv.min !== undefined && clientServer && clientServer.coveredPercent < argv.min) {
      throw new UserError(`client-server coverage ${clientServer.coveredPercent}% is below --min ${argv.min}%`);
    }
    if (argv.minComplete !== undefined && clientServer && clientServer.completePercent < argv.minComplete) {
      throw new UserError(`client-server endpoints with both a success and an error case: ${clientServer.completePercent}%, below --min-complete ${argv.minComplete}%`);
    }
  },
};
