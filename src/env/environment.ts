import { randomBytes } from "node:crypto";
import { newAppserviceRegistration } from "../appservice/registration.ts";
import type Dockerode from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import { containerLogs, containerState, startContainer, type NetworkMode } from "./container.ts";
import { createDatabase, startPostgres, waitForPostgres, type PostgresServer } from "./database.ts";
import { connectEngine } from "./engine.ts";
import { POSTGRES_REGISTRY_IMAGE, fromRegistry, resolveImage, type ImageSource, type ResolvedImage } from "./images.ts";
import { LABEL_RUN } from "./labels.ts";
import { allocateFreePort } from "./ports.ts";
import { getProfile } from "./profiles/index.ts";
import type { DatabaseConfig, DatabaseKind, HarnessServices, HomeserverProfile, NewUser, ProvisionedUser } from "./profiles/types.ts";
import { publicView, readRunState, writeRunState, type HomeserverRecord, type RunState } from "./state.ts";
import { removeRun } from "./teardown.ts";
import { homeserverSecrets, newSigningKey, randomSecret } from "./secrets.ts";
import { createCertificateAuthority, issueServerCertificate } from "./tls.ts";

export interface EnvironmentOptions {
  profile?: string;
  database?: DatabaseKind;
  servers?: 1 | 2;
  image?: string;
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

export class HomeserverStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HomeserverStartError";
  }
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


/** A running homeserver of an environment: where it is, and how to administer it. */
export class Homeserver {
  readonly record: HomeserverRecord;
  readonly profile: HomeserverProfile;
  readonly #docker: Dockerode | undefined;

  constructor(record: HomeserverRecord, docker?: Dockerode) {
    this.record = record;
    this.profile = getProfile(record.profile);
    this.#docker = docker;
  }

  get name(): string {
    return this.record.name;
  }
  get serverName(): string {
    return this.record.serverName;
  }
  get baseUrl(): string {
    return this.record.baseUrl;
  }
  get federationUrl(): string {
    return this.record.federationUrl;
  }
  get containerId(): string {
    return this.record.containerId;
  }
  get admin(): ProvisionedUser {
    return this.record.admin;
  }

  /** Creates a user through the profile's admin route (no user-interactive auth). */
  registerUser(user: NewUser): Promise<ProvisionedUser> {
    return this.profile.registerUser({ baseUrl: this.baseUrl, registrationSharedSecret: this.record.registrationSharedSecret }, user);
  }

  async logs(tail: number | "all" = 50): Promise<string> {
    const docker = this.#docker ?? (await connectEngine()).docker;
    return containerLogs(docker, this.containerId, tail);
  }
}

/** A started set of containers: one or two homeservers and, with PostgreSQL, their database server. */
export class Environment {
  readonly state: RunState;
  readonly homeservers: Homeserver[];

  constructor(state: RunState, docker?: Dockerode) {
    this.state = state;
    this.homeservers = state.homeservers.map((record) => new Homeserver(record, docker));
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

async function waitHealthy(
  docker: Dockerode,
  profile: HomeserverProfile,
  record: { name: string; baseUrl: string; containerId: string },
  deadlineMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const start = Date.now();
  let lastProblem = "no answer yet";
  while (Date.now() - start < deadlineMs) {
    signal?.throwIfAborted();
    const state = await containerState(docker, record.containerId);
    if (!state.running) {
      throw new HomeserverStartError(
        `${record.name} (${profile.displayName}) exited with code ${state.exitCode} before it became healthy. Last 50 lines of its log:\n` +
          (await containerLogs(docker, record.containerId, 50)),
      );
    }
    let healthy = true;
    for (const path of profile.healthPaths) {
      try {
        const response = await fetch(new URL(path, record.baseUrl), { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        if (response.status !== 200) {
          healthy = false;
          lastProblem = `GET ${path} answered HTTP ${response.status}`;
          break;
        }
      } catch (error) {
        healthy = false;
        lastProblem = `GET ${path}: ${(error as Error).cause ? String((error as Error & { cause: Error }).cause.message) : (error as Error).message}`;
        break;
      }
    }
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new HomeserverStartError(
    `${record.name} (${profile.displayName}) did not become healthy within ${deadlineMs / 1000} s (${lastProblem}). Last 50 lines of its log:\n` +
      (await containerLogs(docker, record.containerId, 50)),
  );
}

/** Ports and credentials of the application service and mail sink the harness plays for one homeserver. */
async function harnessServicesFor(serverHost: string): Promise<HarnessServices> {
  return {
    appservice: newAppserviceRegistration(await allocateFreePort()),
    mail: { smtpPort: await allocateFreePort(), from: `noreply@${serverHost}` },
  };
}

/**
 * Starts an environment and waits until every homeserver is healthy. On any failure or abort,
 * everything the run started is removed before the promise rejects.
 */
export async function startEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  const profile = getProfile(options.profile ?? "synapse");
  const databaseKind = options.database ?? "sqlite";
  if (!profile.databases.includes(databaseKind)) {
    throw new Error(`${profile.displayName} does not support ${databaseKind} (it supports ${profile.databases.join(", ")})`);
  }
  const servers = options.servers ?? 1;
  const network = options.network ?? defaultNetworkMode();
  const progress = options.progress ?? (() => {});
  const signal = options.signal;
  const healthTimeoutMs = options.healthTimeoutMs ?? 180_000;
  const engine = await connectEngine();
  const { docker } = engine;
  const runId = newRunId();
  const started = Date.now();
  const step = (message: string) => progress(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);

  step(`run ${runId}: ${servers} × ${profile.displayName} on ${databaseKind}, ${network} network`);
  try {
    signal?.throwIfAborted();
    const homeserverImage = await resolveImage(docker, "homeserver", {
      given: options.image,
      registryImage: fromRegistry(profile.registryImage(), options.registry),
      source: options.imageSource,
      progress: step,
    });
    let postgresImage: ResolvedImage | undefined;
    if (databaseKind === "postgres") {
      postgresImage =
        homeserverImage.origin === "debian"
          ? homeserverImage // the Debian-built image carries PostgreSQL too
          : await resolveImage(docker, "postgres", {
              registryImage: fromRegistry(POSTGRES_REGISTRY_IMAGE, options.registry),
              source: options.imageSource,
              progress: step,
            });
    }
    signal?.throwIfAborted();

    let networkName = "";
    if (network === "bridge") {
      networkName = `gauntlet-${runId}`;
      await docker.createNetwork({ Name: networkName, Driver: "bridge", Labels: { [LABEL_RUN]: runId } });
    }
    const listenAddress = network === "host" ? "127.0.0.1" : "0.0.0.0";
    const containerNetwork = (alias: string, exposedPorts: number[]) =>
      network === "host" ? ({ mode: "host" } as const) : ({ mode: "bridge", name: networkName, alias, exposedPorts } as const);

    const ca = await createCertificateAuthority(`Gauntlet run ${runId} CA`);

    let postgres: PostgresServer | undefined;
    if (databaseKind === "postgres" && postgresImage) {
      const port = network === "host" ? await allocateFreePort() : 5432;
      step(`starting PostgreSQL (${postgresImage.name})`);
      postgres = await startPostgres(
        { runId, image: postgresImage.name, network: containerNetwork("postgres", [5432]) },
        { listenAddress, port, user: "synapse", password: randomSecret(), reachableAs: network === "host" ? "127.0.0.1" : "postgres", reachablePort: port },
      );
      signal?.throwIfAborted();
      await waitForPostgres(postgres, 60_000, signal);
      step(`PostgreSQL ready on ${postgres.host}:${postgres.port}`);
    }
    signal?.throwIfAborted();

    const withServices = options.harnessServices ?? network === "host";
    const names = servers === 2 ? ["hs1", "hs2"] : ["hs1"];
    const records = await Promise.all(
      names.map(async (name): Promise<HomeserverRecord> => {
        const clientPort = network === "host" ? await allocateFreePort() : 8008;
        const federationPort = network === "host" ? await allocateFreePort() : 8448;
        const host = network === "host" ? "localhost" : name;
        const serverName = name === "hs1" && options.serverName ? options.serverName : `${host}:${federationPort}`;
        let database: DatabaseConfig;
        let databaseRecord: HomeserverRecord["database"];
        if (postgres) {
          database = await createDatabase(postgres, `synapse_${name}`);
          databaseRecord = { kind: "postgres", name: `synapse_${name}`, host: postgres.host, port: postgres.port };
        } else {
          database = { kind: "sqlite", path: "/gauntlet/homeserver.db" };
          databaseRecord = { kind: "sqlite", name: "/gauntlet/homeserver.db" };
        }
        const serverHost = serverName.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
        const tls = await issueServerCertificate(ca, { names: [...new Set([serverHost, host, "localhost", "127.0.0.1"])] });
        const secrets = homeserverSecrets();
        const key = newSigningKey();
        const services = withServices ? await harnessServicesFor(serverHost) : undefined;
        const plan = profile.plan({
          name,
          serverName,
          listenAddress,
          clientPort,
          federationPort,
          publicBaseUrl: name === "hs1" && options.publicBaseUrl ? options.publicBaseUrl : `http://127.0.0.1:${clientPort}/`,
          database,
          ...(options.roomVersion ? { roomVersion: options.roomVersion } : {}),
          tls,
          caCertPem: ca.certPem,
          secrets,
          signingKey: key,
          ...(services ? { services } : {}),
          ...(options.configOverrides ? { configOverrides: options.configOverrides } : {}),
        });
        signal?.throwIfAborted();
        step(`starting ${name} (${profile.displayName}, ${databaseKind}) as ${serverName}`);
        const container: StartedTestContainer = await startContainer({
          runId,
          role: name,
          image: homeserverImage.name,
          plan,
          network: containerNetwork(name, [8008, 8448]),
        });
        const mappedClient = network === "host" ? clientPort : container.getMappedPort(8008);
        const mappedFederation = network === "host" ? federationPort : container.getMappedPort(8448);
        const baseUrl = `http://127.0.0.1:${mappedClient}`;
        await waitHealthy(docker, profile, { name, baseUrl, containerId: container.getId() }, healthTimeoutMs, signal);
        step(`${name} healthy at ${baseUrl}`);
        const admin = await profile.registerUser(
          { baseUrl, registrationSharedSecret: secrets.registrationSharedSecret },
          { localpart: "gauntlet-admin", password: randomSecret(), admin: true },
        );
        return {
          name,
          profile: profile.name,
          serverName,
          baseUrl,
          federationAddress: `127.0.0.1:${mappedFederation}`,
          federationUrl: `https://127.0.0.1:${mappedFederation}`,
          containerId: container.getId(),
          database: databaseRecord,
          signingKeyId: `ed25519:${key.version}`,
          registrationSharedSecret: secrets.registrationSharedSecret,
          admin,
          ...(services?.appservice ? { appservice: services.appservice } : {}),
          ...(services?.mail ? { mail: services.mail } : {}),
        };
      }),
    );
    signal?.throwIfAborted();

    const state: RunState = {
      version: 1,
      runId,
      createdAt: new Date().toISOString(),
      network,
      profile: profile.name,
      database: databaseKind,
      ...(options.roomVersion ? { roomVersion: options.roomVersion } : {}),
      images: { homeserver: homeserverImage, ...(postgresImage ? { postgres: postgresImage } : {}) },
      ca,
      ...(postgres
        ? { postgres: { containerId: postgres.container.getId(), host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password } }
        : {}),
      homeservers: records,
    };
    writeRunState(state);
    step(`environment ${runId} ready`);
    return new Environment(state, docker);
  } catch (error) {
    step(`tearing down run ${runId} (${signal?.aborted ? "interrupted" : "start failed"})`);
    await removeRun(docker, runId).catch(() => {});
    throw error;
  }
}
