import type { CommandModule } from "yargs";
import { setupMachine, setupPodman } from "../../env/setup.ts";
import { stderrProgress } from "../progress.ts";
import { UserError } from "../../errors/user-error.ts";

export const setupCommand: CommandModule<object, { "dockerd-arg"?: string[]; podman: boolean }> = {
  command: "setup",
  describe: "install and start a container engine on Debian/Ubuntu (root): docker.io, debootstrap, dockerd",
  builder: (yargs) =>
    yargs
      .option("dockerd-arg", {
        type: "string",
        array: true,
        describe: "dockerd arguments instead of the default --bridge=none --iptables=false",
      })
      .option("podman", { type: "boolean", default: false, describe: "install Podman and serve its Docker-compatible API instead (prints the DOCKER_HOST to use)" }),
  handler: async (argv) => {
    try {
      if (argv.podman) {
        const podman = await setupPodman(stderrProgress());
        process.stdout.write(`${podman.engine} ${podman.started ? "started" : "already running"}; use it with DOCKER_HOST=${podman.dockerHost}\n`);
        return;
      }
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
