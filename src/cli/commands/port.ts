import type { Argv, CommandModule } from "yargs";
import { startEnvironment, type Environment } from "../../env/environment.ts";
import { portDeployment } from "../../port/port-deployment.ts";
import { describeDifferences } from "../../port/read-equality.ts";
import { DEFAULT_SEED } from "../../port/seed-deployment.ts";
import { abortOnSignals, stderrProgress } from "../progress.ts";

interface PortArgs {
  users: number;
  rooms: number;
  messages: number;
  keep: boolean;
  json: boolean;
}

export const portCommand: CommandModule<object, PortArgs> = {
  command: "port",
  describe: "Seed Synapse on SQLite, port it to PostgreSQL with synapse_port_db, and check that every read answers as before",
  builder: (y) =>
    y
      .option("users", { type: "number", default: DEFAULT_SEED.users, describe: "users to seed (each with a device, keys and account data)" })
      .option("rooms", { type: "number", default: DEFAULT_SEED.rooms, describe: "rooms to seed (with state, and every user joined)" })
      .option("messages", { type: "number", default: DEFAULT_SEED.messagesPerRoom, describe: "messages per room" })
      .option("keep", { type: "boolean", default: false, describe: "leave the run up afterwards: the SQLite and the ported deployment, side by side" })
      .option("json", { type: "boolean", default: false, describe: "print the outcome as JSON (reads, differences with both answers) on stdout" })
      .example("$0 port", "Port a seeded Synapse and compare") as unknown as Argv<PortArgs>,
  handler: async (args) => {
    for (const [name, value] of [["users", args.users], ["rooms", args.rooms], ["messages", args.messages]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} expects a whole number of at least 1, got ${value}`);
    }
    const progress = stderrProgress();
    const controller = new AbortController();
    const signals = abortOnSignals(controller);
    let environment: Environment | undefined;
    try {
      environment = await startEnvironment({ database: "sqlite", servers: 1, harnessServices: false, signal: controller.signal, progress });
      const outcome = await portDeployment(environment, { seed: { users: args.users, rooms: args.rooms, messagesPerRoom: args.messages }, step: progress });
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ reads: outcome.before.size, portSeconds: outcome.portSeconds, differences: outcome.differences }, null, 2)}\n`);
      } else {
        process.stdout.write(`ported in ${outcome.portSeconds.toFixed(1)} s; ${outcome.before.size} reads of rooms, state, timelines, media, account data, devices and keys\n`);
        process.stdout.write(outcome.differences.length === 0 ? "every read answers as before the port\n" : `${outcome.differences.length} reads answer differently:\n${describeDifferences(outcome.differences)}\n`);
      }
      if (args.keep) process.stderr.write(`run ${environment.runId} left up: SQLite at ${outcome.sqliteBaseUrl}, PostgreSQL at ${outcome.postgresBaseUrl}; remove it with gauntlet env down ${environment.runId}\n`);
      process.exitCode = outcome.differences.length === 0 ? 0 : 1;
    } finally {
      signals.dispose();
      if (environment && !args.keep) {
        progress(`tearing down run ${environment.runId}`);
        await environment.stop();
      }
    }
  },
};
