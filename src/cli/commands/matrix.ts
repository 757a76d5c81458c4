import type { Argv, CommandModule } from "yargs";
import { writeMatrix } from "../../matrix/report.ts";

interface MatrixArgs {
  results: string[];
  out: string;
}

export const matrixCommand: CommandModule<object, MatrixArgs> = {
  command: "matrix <results..>",
  describe: "a compliance matrix (HTML and Markdown) from several runs' results.json: suites × implementation, database and interop pair",
  builder: (yargs) =>
    (yargs as Argv<object>)
      .positional("results", { type: "string", array: true, demandOption: true, describe: "each run's results.json, or the --out directory holding it" })
      .option("out", { type: "string", default: "gauntlet-matrix", describe: "directory for matrix.html and matrix.md" }) as unknown as Argv<MatrixArgs>,
  // async: yargs hands a rejected handler to the CLI's error handling, a synchronous throw it does not.
  handler: async (argv) => {
    const { matrix, paths } = writeMatrix(argv.results, argv.out);
    process.stdout.write(`${matrix.columns.length} deployment(s): ${matrix.columns.map((c) => c.label).join("; ")}\n`);
    for (const [name, path] of Object.entries(paths)) process.stdout.write(`${name.padEnd(9)} ${path}\n`);
  },
};
