import type { Argv, CommandModule } from "yargs";
import { connectEngine, EngineUnavailableError } from "../../env/engine.ts";
import { Environment, startEnvironment } from "../../env/environment.ts";
import { containerLogs, containerState } from "../../env/container.ts";
import { listRunStates, publicView, readRunState, type RunState } from "../../env/state.ts";
import { removeAllRuns, removeRun } from "../../env/teardown.ts";
import { withEnvironmentOptions, environmentOptionsFrom, type EnvironmentArgs } from "../environment-options.ts";
import { abortOnSignals, exitCodeFor, stderrProgress } from "../progress.ts";
import { UserError } from "../../errors/user-error.ts";

async function engine() {
  try {
    return await connectEngine();
  } catch (error) {
    if (error instanceof EngineUnavailableError) throw new UserError(error.message);
    throw error;
  }
}

/** The run a command is about: the one named, or the only one there is. */
function pickRun(run: string | undefined): RunState {
  if (run) {
    try {
      return readRunState(run);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
  }
  const runs = listRunStates();
  if (runs.length === 1 && runs[0]) return runs[0];
  if (runs.length === 0) throw new UserError("no environment is running; start one with `gauntlet env up`");
  throw new UserError(`several runs exist (${runs.map((r) => r.runId).join(", ")}); name one`);
}

export function formatEnvironment(state: RunState): string {
  const view = publicView(state);
  const lines = [`run ${view.runId}: ${view.profile} on ${view.database}, ${view.network} network`];
  for (const hs of view.homeservers) {
    lines.push(
      `${hs.name}  ${hs.serverName}`,
      `  profile      ${hs.profile}`,
      `  image        ${hs.image.name} (${hs.image.origin})`,
      `  baseUrl      ${hs.baseUrl}`,
      `  federation   ${hs.federationAddress} (${hs.federationUrl}, TLS from the run CA)`,
      `  database     ${hs.database.kind} ${hs.database.name}${hs.database.host ? ` at ${hs.database.host}:${hs.database.port}` : ""}`,
      `  container    ${hs.containerId.slice(0, 12)}`,
      `  admin user   ${hs.adminUserId}`,
    );
  }
  if (view.postgres) {
    lines.push(`postgres  ${view.postgres.host}:${view.postgres.port}  container ${view.postgres.containerId.slice(0, 12)}  image ${view.postgres.image.name}`);
  }
  lines.push(`state     ${view.stateFile} (admin credentials, mode 0600)`);
  lines.push(`stop with \`gauntlet env down ${view.runId}\``);
  return lines.join("\n");
}

const up: CommandModule<object, EnvironmentArgs & { json: boolean; quiet: boolean }> = {
  command: "up",
  describe: "start homeservers (and PostgreSQL) and wait until they are healthy",
  builder: (yargs) =>
    withEnvironmentOptions(yargs as Argv<object>)
      .option("json", { type: "boolean", default: false, describe: "print one JSON document on stdout" })
      .option("quiet", { type: "boolean", default: false, describe: "no progress on stderr" }) as unknown as Argv<EnvironmentArgs & { json: boolean; quiet: boolean }>,
  handler: async (argv) => {
    await engine();
    const controller = new AbortController();
    const signals = abortOnSignals(controller);
    try {
      const env = await startEnvironment({
        ...environmentOptionsFrom(argv),
        signal: controller.signal,
        progress: stderrProgress(argv.quiet),
      });
      process.stdout.write(argv.json ? `${JSON.stringify(env.describe(), null, 2)}\n` : `${formatEnvironment(env.state)}\n`);
    } catch (error) {
      const signal = signals.signalled();
      if (signal) process.exit(exitCodeFor(signal));
      throw error;
    } finally {
      signals.dispose();
    }
  },
};

const down: CommandModule<object, { run?: string; all: boolean }> = {
  command: "down [run]",
  describe: "remove a run's containers, networks and state (--all: everything Gauntlet labelled)",
  builder: (yargs) =>
    yargs
      .positional("run", { type: "string", describe: "run id (default: the only run)" })
      .option("all", { type: "boolean", default: false, describe: "remove every Gauntlet container, crashed runs included" }),
  handler: async (argv) => {
    const { docker } = await engine();
    const result = argv.all ? await removeAllRuns(docker) : await removeRun(docker, pickRun(argv.run).runId);
    process.stdout.write(
      `removed ${result.containers.length} container(s)${result.containers.length ? `: ${result.containers.join(", ")}` : ""}` +
        `${result.networks.length ? `; networks: ${result.networks.join(", ")}` : ""}\n`,
    );
  },
};

const status: CommandModule<object, { run?: string; json: boolean }> = {
  command: "status [run]",
  describe: "list runs with their homeservers and whether their containers run",
  builder: (yargs) => yargs.positional("run", { type: "string" }).option("json", { type: "boolean", default: false }),
  handler: async (argv) => {
    const { docker } = await engine();
    const runs = argv.run ? [pickRun(argv.run)] : listRunStates();
    const report = [];
    for (const state of runs) {
      const containers = [];
      for (const hs of state.homeservers) {
        const running = await containerState(docker, hs.containerId).then((s) => s.running, () => false);
        containers.push({ name: hs.name, running });
      }
      report.push({ ...publicView(state), containers });
    }
    if (argv.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    if (report.length === 0) process.stdout.write("no runs\n");
    for (const [index, run] of report.entries()) {
      const state = runs[index];
      if (!state) continue;
      process.stdout.write(`${formatEnvironment(state)}\n  containers: ${run.containers.map((c) => `${c.name} ${c.running ? "running" : "NOT RUNNING"}`).join(", ")}\n\n`);
    }
  },
};

const logs: CommandModule<object, { run?: string; hs: string; tail: number }> = {
  command: "logs [run]",
  describe: "print a homeserver's log",
  builder: (yargs) =>
    yargs
      .positional("run", { type: "string" })
      .option("hs", { type: "string", default: "hs1", describe: "which homeserver (hs1, hs2, postgres)" })
      .option("tail", { type: "number", default: 200, describe: "last N lines (0: all)" }),
  handler: async (argv) => {
    const { docker } = await engine();
    const state = pickRun(argv.run);
    const containerId =
      argv.hs === "postgres" ? state.postgres?.containerId : new Environment(state).homeserver(argv.hs).containerId;
    if (!containerId) throw new UserError(`run ${state.runId} has no ${argv.hs}`);
    process.stdout.write(await containerLogs(docker, containerId, argv.tail > 0 ? argv.tail : "all"));
  },
};

export const envCommand: CommandModule = {
  command: "env <command>",
  describe: "start, inspect and stop test environments",
  builder: (yargs) =>
    yargs
      .command(up as unknown as CommandModule)
      .command(down as unknown as CommandModule)
      .command(status as unknown as CommandModule)
      .command(logs as unknown as CommandModule)
      .demandCommand(1),
  handler: () => {},
};
