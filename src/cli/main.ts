#!/usr/bin/env node
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { commands } from "./commands/index.ts";
import { UserError } from "../errors/user-error.ts";

const cli = yargs(hideBin(process.argv))
  .scriptName("gauntlet")
  .usage("$0 <command> [options]\n\nCompliance and load-testing harness for Matrix homeservers.")
  .strict()
  .demandCommand(1, "Name a command; `gauntlet --help` lists them.")
  .recommendCommands()
  .wrap(Math.min(110, process.stdout.columns || 110))
  .fail((message, error, y) => {
    if (error instanceof UserError) {
      process.stderr.write(`gauntlet: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    if (error) {
      process.stderr.write(`gauntlet: ${error.stack ?? error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`${y.help()}\n\ngauntlet: ${message}\n`);
    process.exit(2);
  });

for (const command of commands) cli.command(command);

await cli.parseAsync();
