// Synapse's own way from SQLite to PostgreSQL: `synapse_port_db` copies a consistent snapshot of
// the SQLite database into an empty PostgreSQL one, then a second Synapse process in the same
// container (same server name, signing key and media store) serves the ported database on
// ports of its own, so the original and the ported deployment can be read side by side.
import type Dockerode from "dockerode";
import { execInContainer } from "../container.ts";
import { allocateFreePort } from "../ports.ts";
import { waitForBackgroundUpdates } from "./synapse-background-updates.ts";
import type { PortedHomeserver, PortRequest } from "./types.ts";

const DIR = "/gauntlet";
const SNAPSHOT = `${DIR}/port-source.db`;
const PORTED_CONFIG = `${DIR}/homeserver-ported.yaml`;
const PORTED_LOG = `${DIR}/ported.log`;

export async function portSynapseToPostgres(request: PortRequest): Promise<PortedHomeserver> {
  const { docker, containerId, sqliteFile, database, step } = request;
  const run = (command: string[]): Promise<string> => execInContainer(docker, containerId, command);
  await run(["sh", "-c", "command -v synapse_port_db"]).catch(() => {
    throw new Error("the Synapse image has no synapse_port_db on its PATH; use an image with Synapse's scripts (the Debian package or a PyPI install has it)");
  });
  // synapse_port_db refuses a database whose background updates are pending.
  await waitForBackgroundUpdates(run, `${DIR}/homeserver.yaml`, { deadlineMs: 180_000, step, why: "synapse_port_db needs them finished" });
  // SQLite's online backup: a consistent copy while the original Synapse keeps running.
  step("snapshotting the SQLite database");
  await run(["python3", "-c", "import sqlite3, sys; d = sqlite3.connect(sys.argv[2]); sqlite3.connect(sys.argv[1]).backup(d); d.close()", sqliteFile, SNAPSHOT]);
  const args = { user: database.user, password: database.password, database: database.database, host: database.host, port: database.port, cp_min: 1, cp_max: 5 };
  // synapse_port_db reads the new deployment's whole configuration, then serves it as is.
  const config = JSON.parse(await run(["cat", `${DIR}/homeserver.yaml`])) as Record<string, unknown>;
  const clientPort = await allocateFreePort();
  const federationPort = await allocateFreePort();
  await writeFile(docker, containerId, PORTED_CONFIG, JSON.stringify(portedConfig(config, { clientPort, federationPort, database: args }), null, 2));
  step("porting with synapse_port_db");
  const started = Date.now();
  await run(["synapse_port_db", "--sqlite-database", SNAPSHOT, "--postgres-config", PORTED_CONFIG]);
  step(`synapse_port_db finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await startDetached(docker, containerId, ["sh", "-c", `exec python3 -m synapse.app.homeserver --config-path ${PORTED_CONFIG} > ${PORTED_LOG} 2>&1`]);
  const baseUrl = `http://127.0.0.1:${clientPort}`;
  step(`starting Synapse on the ported database at ${baseUrl}`);
  await waitForHealth(baseUrl, 120_000, () => run(["tail", "-n", "40", PORTED_LOG]).catch((error: Error) => error.message));
  return { baseUrl };
}

/** The original configuration with the PostgreSQL database and listeners on new ports; everything else (server name, keys, media store) stays. */
export function portedConfig(
  config: Record<string, unknown>,
  target: { clientPort: number; federationPort: number; database: Record<string, unknown> },
): Record<string, unknown> {
  const listeners = (config.listeners as { tls?: boolean; port: number }[]).map((listener) => ({
    ...listener,
    port: listener.tls ? target.federationPort : target.clientPort,
  }));
  return {
    ...config,
    database: { name: "psycopg2", args: target.database },
    listeners,
    pid_file: `${DIR}/ported.pid`,
    public_baseurl: `http://127.0.0.1:${target.clientPort}/`,
  };
}

async function writeFile(docker: Dockerode, containerId: string, path: string, content: string): Promise<void> {
  await execInContainer(docker, containerId, ["sh", "-c", 'umask 077; printf "%s" "$1" > "$2"', "sh", content, path]);
}

async function startDetached(docker: Dockerode, containerId: string, command: string[]): Promise<void> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: command, AttachStdout: false, AttachStderr: false });
  // A detached start still answers over a connection to the engine; left open, it keeps this process alive.
  const stream = (await exec.start({ Detach: true })) as unknown as { destroy?: () => void } | undefined;
  stream?.destroy?.();
}

async function waitForHealth(baseUrl: string, deadlineMs: number, log: () => Promise<string>): Promise<void> {
  const start = Date.now();
  let last = "no answer yet";
  while (Date.now() - start < deadlineMs) {
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `GET /health answered HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Synapse on the ported database did not become healthy within ${deadlineMs / 1000} s (${last}). Its log ends:\n${await log()}`);
}
