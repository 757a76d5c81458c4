import type { CommandModule } from "yargs";
import { setupMachine } from "../../env/setup.ts";
import { stderrProgress } from "../progress.ts";
import { UserError } from "../../errors/user-error.ts";

export const setupCommand: CommandModule<object, { "dockerd-arg"?: string[] }> = {
  command: "setup",
  describe: "install and start a container engine on Debian/Ubuntu (root): docker.io, debootstrap, dockerd",
  builder: (yargs) =>
    yargs.option("dockerd-arg", {
      type: "string",
      array: true,
      describe: "dockerd arguments instead of the default --bridge=none --iptables=false",
    }),
  handler: async (argv) => {
    try {
      const result = await setupMachine({
        progress: stderrProgress(),
        ...(argv["dockerd-arg"] ? { dockerdArgs: argv["dockerd-arg"] } : {}),
      });
      process.stdout.write(`${result.engine} ${result.started ? "started" : "already running"}\n`);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
  },
};
