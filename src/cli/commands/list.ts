import type { Argv, CommandModule } from "yargs";
import { selectSuiteFiles, suiteFiles } from "../../run/selection.ts";
import { collectSuites } from "../../run/suite-runner.ts";
import { UserError } from "../../errors/user-error.ts";

interface ListArgs {
  suite: string[];
  json: boolean;
}

export const listCommand: CommandModule<object, ListArgs> = {
  command: "list",
  describe: "list the suite tests with their ids, spec endpoints and sections",
  builder: (yargs) =>
    (yargs as Argv<object>)
      .option("suite", { type: "string", array: true, default: [] as string[], describe: "suite ids or folders (e.g. client/login, client)" })
      .option("json", { type: "boolean", default: false, describe: "print one JSON document" }) as unknown as Argv<ListArgs>,
  handler: async (argv) => {
    const files = selectSuiteFiles(suiteFiles(), argv.suite);
    const { records, errors } = await collectSuites(files);
    if (errors.length > 0) throw new UserError(`some suite files failed to load:\n${errors.join("\n")}`);
    const tests = records.map((r) => ({ id: r.id, file: r.file, endpoints: r.endpoints, specSection: r.specSection }));
    if (argv.json) {
      process.stdout.write(`${JSON.stringify({ tests }, null, 2)}\n`);
      return;
    }
    const lines: string[] = [];
    let file = "";
    for (const test of tests) {
      if (test.file !== file) {
        file = test.file;
        lines.push("", file.replace(/\.test\.ts$/, ""));
      }
      lines.push(`  ${test.id}`, `      ${test.specSection ?? "(no spec section)"}  ${test.endpoints.join(", ") || "(no endpoints declared)"}`);
    }
    lines.push("", `${tests.length} tests in ${files.length} files`);
    process.stdout.write(`${lines.join("\n").trimStart()}\n`);
  },
};
