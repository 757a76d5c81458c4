import { randomBytes } from "node:crypto";
import type Dockerode from "dockerode";
import { attachTo, listenAddress, type NetworkMode, type RunNetwork } from "./container.ts";
import { startPostgres, waitForPostgres, type PostgresServer } from "./database.ts";
import { debianBaseImage } from "./debian-image.ts";
import { connectEngine } from "./engine.ts";
import type { Homeserver } from "./homeserver.ts";
import { POSTGRES_REGISTRY_IMAGE, ensureLocalImage, fromRegistry, resolveImage, type ImageSource, type ResolvedImage } from "./images.ts";
import { LABEL_RUN } from "./labels.ts";
import { allocateFreePort } from "./ports.ts";
import { getProfile } from "./profiles/index.ts";
import type { DatabaseKind, HomeserverProfile } from "./profiles/types.ts";
import { randomSecret } from "./secrets.ts";
import { startHomeserver } from "./start-homeserver.ts";
import { wrappableProblem, wrappedBinaryImage } from "./wrapped-binary-image.ts";
import { implementationKey, publicView, readRunState, writeRunState, type RunState } from "./state.ts";
import { removeRun } from "./teardown.ts";
import { createCertificateAuthority, type CertificatePair } from "./tls.ts";

export { HomeserverStartError } from "./start-homeserver.ts";

export interface EnvironmentOptions {
  /** hs1's implementation (default synapse). */
  profile?: string;
  /** hs2's implementation (default: hs1's); a different one makes a mixed pair. */
  profile2?: string;
  database?: DatabaseKind;
  servers?: 1 | 2;
  /** Image to run for hs1's implementation (and hs2's when it is the same) instead of the default. */
  image?: string;
  /** A server binary built on this machine, run as hs1's implementation (and hs2's when it is the same), wrapped into the Debian-built base. */
  binary?: string;
  /** Release of hs1's implementation (and hs2's when it is the same) instead of the default. */
  version?: string;
  imageSource?: ImageSource;
  /** Registry to pull the default images from instead of Docker Hub (host[:port][/prefix]). */
  registry?: string;
  network?: NetworkMode;
  roomVersion?: string;
  /** Aborting tears down whatever was started and rejects with the abort reason. */
  signal?: AbortSignal;
  progress?: (message: string) => void;
  /** Server name of hs1 instead of `localhost:<federation port>` (e.g. a deployment's delegated name). */
  serverName?: string;
  /** Public base URL of hs1 as clients should see it (e.g. behind a reverse proxy). */
  publicBaseUrl?: string;
  /** Implementation-specific settings laid over every homeserver's generated configuration. */
  configOverrides?: Record<string, unknown>;
  /** How long a homeserver may take to become healthy. */
  healthTimeoutMs?: number;
  /**
   * Register the harness's application service and mail sink with each homeserver (default: with
   * host networking, where the container reaches the harness on 127.0.0.1).
   */
  harnessServices?: boolean;
}

export function defaultNetworkMode(): NetworkMode {
  // Host networking is Linux-only in practice; Docker Desktop users get a user-defined bridge.
  return process.platform === "linux" ? "host" : "bridge";
}

function newRunId(): string {
  const now = new Date();
  const stamp = `${now.getUTCMonth() + 1}`.padStart(2, "0") + `${now.getUTCDate()}`.padStart(2, "0");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/** A started set of containers: one or two homeservers and, with PostgreSQL, their database server. */
export class Environment {
  readonly state: RunState;

  constructor(state: RunState) {
    this.state = state;
  }

  get homeservers(): Homeserver[] {
    return this.state.homeservers;
  }

  get runId(): string {
    return this.state.runId;
  }

  /** hs1, hs2, … by name. */
  homeserver(name = "hs1"): Homeserver {
    const found = this.homeservers.find((hs) => hs.name === name);
    if (!found) throw new Error(`run ${this.runId} has no homeserver ${name} (it has ${this.homeservers.map((h) => h.name).join(", ")})`);
    return found;
  }

  /** The image each container of the run runs, by role (hs1, hs2, postgres). */
  images(): { role: string; image: ResolvedImage }[] {
    return [
      ...this.homeservers.map((hs) => ({ role: hs.name, image: hs.image })),
      ...(this.state.postgres ? [{ role: "postgres", image: this.state.postgres.image }] : []),
    ];
  }

  /** Everything about the run that may be shown: no tokens, passwords or keys. */
  describe() {
    return publicView(this.state);
  }

  async stop(): Promise<void> {
    await removeRun((await connectEngine()).docker, this.runId);
  }

  /** An environment started earlier (by `gauntlet env up`, possibly in another process). */
  static load(runId: string): Environment {
    return new Environment(readRunState(runId));
  }
}


/** One image per implementation of the run, and the image PostgreSQL runs from. */
async function resolveRunImages(
  docker: Dockerode,
  profiles: HomeserverProfile[],
  options: EnvironmentOptions,
  step: (message: string) => void,
): Promise<{ homeservers: ResolvedImage[]; postgres?: ResolvedImage }> {
  const byProfile = new Map<string, ResolvedImage>();
  for (const profile of profiles) {
    if (byProfile.has(profile.name)) continue;
    const chosen = profile === profiles[0];
    const version = chosen ? options.version : undefined;
    if (chosen && options.binary) {
      const recipe = await wrappedBinaryImage(profile, options.binary);
      step(`wrapping ${options.binary} into ${recipe.tag()}`);
      byProfile.set(profile.name, { name: await ensureLocalImage(docker, recipe, step), origin: "debian" });
      continue;
    }
    byProfile.set(
      profile.name,
      await resolveImage(docker, "homeserver", {
        ...(options.image && chosen ? { given: options.image } : {}),
        registryImage: fromRegistry(profile.registryImage(version), options.registry),
        recipe: profile.localImage(version),
        source: options.imageSource,
        progress: step,
      }),
    );
    options.signal?.throwIfAborted();
  }
  const homeservers = profiles.map((profile) => byProfile.get(profile.name)!);
  if ((options.database ?? "sqlite") !== "postgres") return { homeservers };
  // Images built here sit on the Debian-built base, which carries PostgreSQL too.
  const local = homeservers.find((image) => image.origin === "debian");
  const postgres =
    local ??
    (await resolveImage(docker, "postgres", {
      registryImage: fromRegistry(POSTGRES_REGISTRY_IMAGE, options.registry),
      recipe: debianBaseImage,
      source: options.imageSource,
      progress: step,
    }));
  return { homeservers, postgres };
}

/** The run's PostgreSQL server, accepting connections; the homeservers' databases are created on it later. */
async function startRunDatabase(
  runId: string,
  network: RunNetwork,
  image: ResolvedImage,
  signal: AbortSignal | undefined,
  step: (message: string) => void,
): Promise<PostgresServer> {
  const port = network.mode === "host" ? await allocateFreePort() : 5432;
  step(`starting PostgreSQL (${image.name})`);
  const postgres = await startPostgres(
    { runId, image: image.name, network: attachTo(network, "postgres", [5432]) },
    { listenAddress: listenAddress(network), port, user: "gauntlet", password: randomSecret(), reachableAs: network.mode === "host" ? "127.0.0.1" : "postgres", reachablePort: port },
  );
  signal?.throwIfAborted();
  await waitForPostgres(postgres, 60_000, signal);
  step(`PostgreSQL ready on ${postgres.host}:${postgres.port}`);
  return postgres;
}

/** The state file's content for a started run. */
function assembleRunState(
  runId: string,
  options: EnvironmentOptions,
  network: RunNetwork,
  ca: CertificatePair,
  homeservers: Homeserver[],
  postgres: { server: PostgresServer; image: ResolvedImage } | undefined,
): RunState {
  const { server } = postgres ?? {};
  return {
    version: 2,
    runId,
    createdAt: new Date().toISOString(),
    network: network.mode,
    profile: implementationKey(homeservers.map((hs) => hs.profile)),
    database: options.database ?? "sqlite",
    ...(options.roomVersion ? { roomVersion: options.roomVersion } : {}),
    ca,
    ...(postgres && server
      ? { postgres: { containerId: server.container.getId(), host: server.host, port: server.port, user: server.user, password: server.password, image: postgres.image } }
      : {}),
    homeservers,
  };
}

/** The profiles of hs1 (and hs2), each able to run on the run's database. */
function runProfiles(options: EnvironmentOptions): HomeserverProfile[] {
  const first = getProfile(options.profile ?? "synapse");
  const profiles = options.servers === 2 ? [first, getProfile(options.profile2 ?? first.name)] : [first];
  // A release the profile cannot provide, or a binary it cannot run, is refused before anything starts.
  if (options.version) first.localImage(options.version);
  if (options.binary && options.image) throw new Error("--binary and --image both name what hs1 runs: give one");
  if (options.binary) {
    const problem = wrappableProblem(first, options.binary);
    if (problem) throw new Error(`--binary ${options.binary}: ${problem}`);
  }
  const databaseKind = options.database ?? "sqlite";
  for (const profile of profiles) {
    if (!profile.databases.includes(databaseKind)) {
      throw new Error(`${profile.displayName} does not support ${databaseKind} (it supports ${profile.databases.join(", ")})`);
    }
  }
  return profiles;
}

/**
 * Starts an environment and waits until every homeserver is healthy. On any failure or abort,
 * everything the run started is removed before the promise rejects.
 */
export async function startEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  const profiles = runProfiles(options);
  const databaseKind = options.database ?? "sqlite";
  const progress = options.progress ?? (() => {});
  const signal = options.signal;
  const { docker } = await connectEngine();
  const runId = newRunId();
  const network: RunNetwork = { mode: options.network ?? defaultNetworkMode(), bridge: `gauntlet-${runId}` };
  const started = Date.now();
  const step = (message: string) => progress(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);

  const names = profiles.map((profile) => profile.displayName);
  step(`run ${runId}: ${names.length === 2 && names[0] !== names[1] ? names.join(" + ") : `${names.length} × ${names[0]}`} on ${databaseKind}, ${network.mode} network`);
  try {
    signal?.throwIfAborted();
    const images = await resolveRunImages(docker, profiles, options, step);
    signal?.throwIfAborted();
    if (network.mode === "bridge") await docker.createNetwork({ Name: network.bridge, Driver: "bridge", Labels: { [LABEL_RUN]: runId } });
    const ca = await createCertificateAuthority(`Gauntlet run ${runId} CA`);
    const postgres = images.postgres ? await startRunDatabase(runId, network, images.postgres, signal, step) : undefined;
    signal?.throwIfAborted();

    const harnessServices = options.harnessServices ?? network.mode === "host";
    const homeservers = await Promise.all(
      profiles.map((profile, index) =>
        startHomeserver(docker, {
          runId,
          name: `hs${index + 1}`,
          profile,
          image: images.homeservers[index]!,
          network,
          ca,
          ...(postgres ? { postgres } : {}),
          harnessServices,
          ...(index === 0 && options.serverName ? { serverName: options.serverName } : {}),
          ...(index === 0 && options.publicBaseUrl ? { publicBaseUrl: options.publicBaseUrl } : {}),
          ...(options.roomVersion ? { roomVersion: options.roomVersion } : {}),
          ...(options.configOverrides ? { configOverrides: options.configOverrides } : {}),
          healthTimeoutMs: options.healthTimeoutMs ?? 180_000,
          ...(signal ? { signal } : {}),
          step,
        }),
      ),
    );
    signal?.throwIfAborted();

    const state = assembleRunState(runId, options, network, ca, homeservers, postgres && images.postgres ? { server: postgres, image: images.postgres } : undefined);
    writeRunState(state);
    step(`environment ${runId} ready`);
    return new Environment(state);
  } catch (error) {
    step(`tearing down run ${runId} (${signal?.aborted ? "interrupted" : "start failed"})`);
    await removeRun(docker, runId).catch(() => {});
    throw error;
  }
}
