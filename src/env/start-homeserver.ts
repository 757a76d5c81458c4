import type Dockerode from "dockerode";
import { Agent, fetch as undiciFetch } from "undici";
import { newAppserviceRegistration } from "../appservice/registration.ts";
import { attachTo, containerLogs, containerState, listenAddress, startContainer, type RunNetwork } from "./container.ts";
import { createDatabase, type PostgresServer } from "./database.ts";
import type { Homeserver } from "./homeserver.ts";
import type { ResolvedImage } from "./images.ts";
import { allocateFreePort } from "./ports.ts";
import type { DatabaseConfig, HarnessServices, HomeserverProfile } from "./profiles/types.ts";
import { homeserverSecrets, newSigningKey, randomSecret } from "./secrets.ts";
import { issueServerCertificate, type CertificatePair } from "./tls.ts";

export class HomeserverStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HomeserverStartError";
  }
}

/** Everything one homeserver of a run is started with. */
export interface HomeserverLaunch {
  runId: string;
  /** hs1, hs2. */
  name: string;
  profile: HomeserverProfile;
  image: ResolvedImage;
  network: RunNetwork;
  ca: CertificatePair;
  /** The run's database server; without it the homeserver uses SQLite. */
  postgres?: PostgresServer;
  /** Wire the harness's application service and mail sink in (those the profile supports). */
  harnessServices: boolean;
  serverName?: string;
  publicBaseUrl?: string;
  roomVersion?: string;
  configOverrides?: Record<string, unknown>;
  healthTimeoutMs: number;
  signal?: AbortSignal;
  step: (message: string) => void;
}

/** Ports and credentials of the counterparts the harness plays for one homeserver, as far as its profile takes them. */
async function harnessServicesFor(profile: HomeserverProfile, serverHost: string): Promise<HarnessServices> {
  return {
    ...(profile.harnessServices.includes("appservice") ? { appservice: newAppserviceRegistration(await allocateFreePort()) } : {}),
    ...(profile.harnessServices.includes("mail") ? { mail: { smtpPort: await allocateFreePort(), from: `noreply@${serverHost}` } } : {}),
  };
}

/** Its own database on the run's server (named after implementation and role), or SQLite in the container. */
async function homeserverDatabase(launch: HomeserverLaunch): Promise<{ config: DatabaseConfig; record: Homeserver["database"] }> {
  const { postgres, profile, name } = launch;
  if (!postgres) return { config: { kind: "sqlite" }, record: { kind: "sqlite", name: profile.sqliteLocation } };
  const database = `${profile.name}_${name}`;
  return { config: await createDatabase(postgres, database), record: { kind: "postgres", name: database, host: postgres.host, port: postgres.port } };
}

/** Polls the profile's health paths until all answer 200; the container exiting ends the wait at once. */
async function waitHealthy(docker: Dockerode, launch: HomeserverLaunch, baseUrl: string, containerId: string): Promise<void> {
  const { profile, name, healthTimeoutMs: deadlineMs, signal } = launch;
  const start = Date.now();
  let lastProblem = "no answer yet";
  while (Date.now() - start < deadlineMs) {
    signal?.throwIfAborted();
    const state = await containerState(docker, containerId);
    if (!state.running) {
      throw new HomeserverStartError(
        `${name} (${profile.displayName}) exited with code ${state.exitCode} before it became healthy. Last 50 lines of its log:\n` +
          (await containerLogs(docker, containerId, 50)),
      );
    }
    const problem = await healthProblem(profile, baseUrl);
    if (!problem) return;
    lastProblem = problem;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new HomeserverStartError(
    `${name} (${profile.displayName}) did not become healthy within ${deadlineMs / 1000} s (${lastProblem}). Last 50 lines of its log:\n` +
      (await containerLogs(docker, containerId, 50)),
  );
}

/** Why the homeserver is not healthy yet, or undefined when every health path answers 200. */
async function healthProblem(profile: HomeserverProfile, baseUrl: string): Promise<string | undefined> {
  for (const path of profile.healthPaths) {
    try {
      const response = await fetch(new URL(path, baseUrl), { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status !== 200) return `GET ${path} answered HTTP ${response.status}`;
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      return `GET ${path}: ${cause ? String(cause.message) : (error as Error).message}`;
    }
  }
  return undefined;
}

/**
 * The key ID a server that made its own signing key publishes (server-server API, "Publishing
 * Keys"), asked on its federation port over TLS; tried until `deadlineMs`, as that listener may
 * come up after the client one.
 */
export async function publishedSigningKeyId(federationUrl: string, ca: CertificatePair, deadlineMs = 30_000): Promise<string> {
  const url = new URL("/_matrix/key/v2/server", federationUrl);
  const dispatcher = new Agent({ connect: { ca: ca.certPem } });
  const start = Date.now();
  let problem = "no answer yet";
  try {
    while (Date.now() - start < deadlineMs) {
      try {
        const response = await undiciFetch(url, { dispatcher, signal: AbortSignal.timeout(5_000) });
        const body = (await response.json()) as { verify_keys?: Record<string, unknown> };
        const keyId = Object.keys(body.verify_keys ?? {})[0];
        if (response.status === 200 && keyId) return keyId;
        problem = `HTTP ${response.status} with verify_keys ${JSON.stringify(Object.keys(body.verify_keys ?? {}))}`;
      } catch (error) {
        const cause = (error as Error & { cause?: Error }).cause;
        problem = cause ? cause.message : (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await dispatcher.close();
  }
  throw new HomeserverStartError(`GET ${url}: expected 200 with the server's verify_keys within ${deadlineMs / 1000} s, got: ${problem}`);
}

/** Starts one homeserver: configuration, container, healthy, admin user. */
export async function startHomeserver(docker: Dockerode, launch: HomeserverLaunch): Promise<Homeserver> {
  const { network, profile, name, step } = launch;
  const host = network.mode === "host";
  const clientPort = host ? await allocateFreePort() : 8008;
  const federationPort = host ? await allocateFreePort() : 8448;
  const hostname = host ? "localhost" : name;
  const serverName = launch.serverName ?? `${hostname}:${federationPort}`;
  const serverHost = serverName.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  const database = await homeserverDatabase(launch);
  const tls = await issueServerCertificate(launch.ca, { names: [...new Set([serverHost, hostname, "localhost", "127.0.0.1"])] });
  const secrets = homeserverSecrets();
  const key = newSigningKey();
  const services = launch.harnessServices ? await harnessServicesFor(profile, serverHost) : {};
  const plan = profile.plan({
    name,
    serverName,
    listenAddress: listenAddress(network),
    clientPort,
    federationPort,
    publicBaseUrl: launch.publicBaseUrl ?? `http://127.0.0.1:${clientPort}/`,
    database: database.config,
    ...(launch.roomVersion ? { roomVersion: launch.roomVersion } : {}),
    tls,
    caCertPem: launch.ca.certPem,
    secrets,
    signingKey: key,
    services,
    ...(launch.configOverrides ? { configOverrides: launch.configOverrides } : {}),
  });
  launch.signal?.throwIfAborted();
  step(`starting ${name} (${profile.displayName}, ${database.config.kind}) as ${serverName}`);
  const container = await startContainer({ runId: launch.runId, role: name, image: launch.image.name, plan, network: attachTo(network, name, [8008, 8448]) });
  const mappedClient = host ? clientPort : container.getMappedPort(8008);
  const mappedFederation = host ? federationPort : container.getMappedPort(8448);
  const baseUrl = `http://127.0.0.1:${mappedClient}`;
  await waitHealthy(docker, launch, baseUrl, container.getId());
  step(`${name} healthy at ${baseUrl}`);
  await profile.settle?.({ docker, containerId: container.getId(), deadlineMs: launch.healthTimeoutMs, step, ...(launch.signal ? { signal: launch.signal } : {}) });
  const admin = await profile.registerUser(
    { baseUrl, registrationSharedSecret: secrets.registrationSharedSecret },
    { localpart: "gauntlet-admin", password: randomSecret(), admin: true },
  );
  return {
    name,
    profile: profile.name,
    image: launch.image,
    serverName,
    baseUrl,
    federationAddress: `127.0.0.1:${mappedFederation}`,
    federationUrl: `https://127.0.0.1:${mappedFederation}`,
    containerId: container.getId(),
    database: database.record,
    signingKeyId: profile.generatesSigningKey ? await publishedSigningKeyId(`https://127.0.0.1:${mappedFederation}`, launch.ca) : `ed25519:${key.version}`,
    registrationSharedSecret: secrets.registrationSharedSecret,
    admin,
    ...(services.appservice ? { appservice: services.appservice } : {}),
    ...(services.mail ? { mail: services.mail } : {}),
  };
}
