import type { StartedTestContainer } from "testcontainers";
import { execInContainer, startContainer, type ContainerRequest } from "./container.ts";
import { connectEngine } from "./engine.ts";
import type { RunState } from "./state.ts";
import type { ContainerPlan, PostgresDatabase } from "./profiles/types.ts";

const PG_DIR = "/gauntlet-pg";

export interface PostgresServer {
  container: StartedTestContainer;
  /** Host and port the homeservers use to reach it. */
  host: string;
  port: number;
  user: string;
  password: string;
}

// Both the registry image and the Debian-built one keep server binaries under
// /usr/lib/postgresql/<major>/bin; the newest is taken.
const PG_BIN = 'bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)';

/** Initialises a cluster with the encoding and collation Synapse requires, then runs the server. */
export function postgresPlan(options: { listenAddress: string; port: number; user: string; password: string }): ContainerPlan {
  const script = [
    "set -e",
    PG_BIN,
    "data=/tmp/pgdata",
    `"$bin/initdb" -D "$data" -E UTF8 --locale=C -U ${options.user} --pwfile=${PG_DIR}/pwfile --auth-local=trust --auth-host=scram-sha-256 >/dev/null`,
    // Homeservers in other containers (bridge mode) connect from outside loopback.
    `echo "host all all all scram-sha-256" >> "$data/pg_hba.conf"`,
    `exec "$bin/postgres" -D "$data" -h ${options.listenAddress} -p ${options.port} -k /tmp`,
  ].join("\n");
  return {
    files: [{ path: `${PG_DIR}/pwfile`, content: `${options.password}\n`, mode: 0o644 }],
    entrypoint: ["/bin/sh", "-c"],
    command: [script],
    env: { LANG: "C.UTF-8" },
    user: "postgres",
  };
}

/** psql inside the PostgreSQL container over its Unix socket, unaligned output; the SQL travels as $1, unquoted. */
export function psqlCommand(port: number, user: string, sql: string, database = "postgres"): string[] {
  return ["/bin/sh", "-c", `${PG_BIN}; "$bin/psql" -h /tmp -p ${port} -U ${user} -d ${database} -v ON_ERROR_STOP=1 -Atc "$1"`, "psql", sql];
}

/** A query against the PostgreSQL server of a run started earlier (possibly by another process). */
export async function queryRunPostgres(state: RunState, sql: string, database = "postgres"): Promise<string> {
  if (!state.postgres) throw new Error(`run ${state.runId} has no PostgreSQL server`);
  const { docker } = await connectEngine();
  return execInContainer(docker, state.postgres.containerId, psqlCommand(state.postgres.port, state.postgres.user, sql, database), "postgres");
}

async function psql(server: PostgresServer, sql: string): Promise<string> {
  const result = await server.container.exec(psqlCommand(server.port, server.user, sql));
  if (result.exitCode !== 0) throw new Error(`psql ${JSON.stringify(sql)} failed (exit ${result.exitCode}): ${result.output.trim()}`);
  return result.stdout.trim();
}

/** Polls pg_isready inside the container until the server accepts connections. */
export async function waitForPostgres(server: PostgresServer, deadlineMs: number, signal?: AbortSignal): Promise<void> {
  const start = Date.now();
  let last = "";
  while (Date.now() - start < deadlineMs) {
    signal?.throwIfAborted();
    const result = await server.container.exec(["/bin/sh", "-c", `${PG_BIN}; "$bin/pg_isready" -h /tmp -p ${server.port} -U ${server.user} -d postgres`]);
    if (result.exitCode === 0) return;
    last = result.output.trim();
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`PostgreSQL did not accept connections within ${deadlineMs / 1000} s (pg_isready: ${last})`);
}

export async function startPostgres(
  request: Omit<ContainerRequest, "plan" | "role">,
  options: { listenAddress: string; port: number; user: string; password: string; reachableAs: string; reachablePort: number },
): Promise<PostgresServer> {
  const container = await startContainer({ ...request, role: "postgres", plan: postgresPlan(options) });
  return { container, host: options.reachableAs, port: options.port, user: options.user, password: options.password };
}

/** One database per homeserver, created as Synapse requires (UTF8, C collation, from template0). */
export async function createDatabase(server: PostgresServer, name: string, reachablePort = server.port): Promise<PostgresDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid database name ${name}`);
  await psql(server, `CREATE DATABASE ${name} ENCODING 'UTF8' LC_COLLATE='C' LC_CTYPE='C' TEMPLATE template0`);
  return { kind: "postgres", host: server.host, port: reachablePort, user: server.user, password: server.password, database: name };
}

/** Size on disk of a database, in bytes. */
export async function databaseSize(server: PostgresServer, name: string): Promise<number> {
  return Number(await psql(server, `SELECT pg_database_size('${name}')`));
}
