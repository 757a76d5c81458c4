// From SQLite to PostgreSQL: seed a deployment on SQLite through the client-server API, read
// it, port it with the homeserver's own tool, read the ported deployment, and report every read
// that answers differently. The environment is the caller's; everything started here belongs to
// its run, so tearing the run down removes it.
import { connectEngine } from "../env/engine.ts";
import { attachTo, listenAddress } from "../env/container.ts";
import { createDatabase, startPostgres, waitForPostgres } from "../env/database.ts";
import { debianBaseImage } from "../env/debian-image.ts";
import type { Environment } from "../env/environment.ts";
import type { Homeserver } from "../env/homeserver.ts";
import { ensureLocalImage } from "../env/images.ts";
import { allocateFreePort } from "../env/ports.ts";
import { getProfile } from "../env/profiles/index.ts";
import { randomSecret } from "../env/secrets.ts";
import { readDeployment, type ReadAnswers } from "./deployment-reads.ts";
import { differingReads, type DifferingRead } from "./read-equality.ts";
import { DEFAULT_SEED, seedDeployment, type SeededDeployment, type SeedSize } from "./seed-deployment.ts";

export interface PortOutcome {
  readonly seeded: SeededDeployment;
  readonly before: ReadAnswers;
  readonly after: ReadAnswers;
  readonly differences: readonly DifferingRead[];
  /** The original (SQLite) and the ported (PostgreSQL) deployment, both still running. */
  readonly sqliteBaseUrl: string;
  readonly postgresBaseUrl: string;
  readonly portSeconds: number;
}

export async function portDeployment(environment: Environment, options: { seed?: SeedSize; step?: (message: string) => void } = {}): Promise<PortOutcome> {
  const step = options.step ?? (() => {});
  const hs = portableHomeserver(environment);
  step("seeding rooms, state, timelines, media, account data, devices and keys");
  const seeded = await seedDeployment(hs, options.seed ?? DEFAULT_SEED);
  const before = await readDeployment(hs.baseUrl, seeded);
  step(`${before.size} reads of the SQLite deployment recorded`);
  const ported = await portBeside(environment, step);
  const after = await readDeployment(ported.baseUrl, seeded);
  const differences = differingReads(before, after);
  step(`${after.size} reads of the ported deployment: ${differences.length === 0 ? "all answer as before" : `${differences.length} differ`}`);
  return { seeded, before, after, differences, sqliteBaseUrl: hs.baseUrl, postgresBaseUrl: ported.baseUrl, portSeconds: ported.portSeconds };
}

/** hs1 of the run, when it can be ported: on SQLite, with a profile that has a porting tool, on host networking. */
function portableHomeserver(environment: Environment): Homeserver {
  const hs = environment.homeserver("hs1");
  const profile = getProfile(hs.profile);
  if (hs.database.kind !== "sqlite") throw new Error(`hs1 of run ${environment.runId} runs on ${hs.database.kind}; porting starts from SQLite (start the run with --db sqlite)`);
  if (!profile.portToPostgres) throw new Error(`${profile.displayName} has no tool to port SQLite to PostgreSQL in Gauntlet's profile; only Synapse (synapse_port_db) does`);
  if (environment.state.network !== "host") throw new Error("porting needs host networking (the ported homeserver listens beside the original on 127.0.0.1)");
  return hs;
}

/**
 * Ports hs1's SQLite database as it is now into a new PostgreSQL server of the run, with the
 * profile's own tool, and serves the copy beside the original (same server name and keys).
 */
export async function portBeside(environment: Environment, step: (message: string) => void): Promise<{ baseUrl: string; portSeconds: number }> {
  const hs = portableHomeserver(environment);
  const profile = getProfile(hs.profile);
  const { docker } = await connectEngine();
  // The Debian-built base carries PostgreSQL; a homeserver image built on it is reused.
  const image = hs.image.origin === "debian" ? hs.image.name : await ensureLocalImage(docker, debianBaseImage, step);
  const network = { mode: "host" as const, bridge: "" };
  const port = await allocateFreePort();
  step(`starting PostgreSQL (${image}) for the ported database`);
  const postgres = await startPostgres(
    { runId: environment.runId, image, network: attachTo(network, "postgres-ported", [5432]) },
    { listenAddress: listenAddress(network), port, user: "gauntlet", password: randomSecret(), reachableAs: "127.0.0.1", reachablePort: port },
  );
  await waitForPostgres(postgres, 60_000);
  const database = await createDatabase(postgres, `${profile.name}_ported`);
  const started = Date.now();
  const ported = await profile.portToPostgres!({ docker, containerId: hs.containerId, sqliteFile: profile.sqliteLocation, database, step });
  return { baseUrl: ported.baseUrl, portSeconds: (Date.now() - started) / 1000 };
}
