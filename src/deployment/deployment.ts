import { randomBytes } from "node:crypto";
import type { AppserviceRegistration } from "../appservice/registration.ts";
import { MatrixClient } from "../client/client.ts";
import { ExchangeLog, recordTiming } from "../client/exchange.ts";
import { registerSecret } from "../client/redact.ts";
import { registerWithDummyAuth, type SignedInUser } from "../client/registration.ts";
import { getProfile } from "../env/profiles/index.ts";
import type { MailService } from "../env/profiles/types.ts";
import type { CertificatePair } from "../env/tls.ts";
import { DeploymentDownError, readIncidents } from "./incidents.ts";
import { claimPeerPort } from "./peer-ports.ts";
import { readTargetFile, type Provisioning, type TargetHomeserver } from "./target-file.ts";

/** One homeserver as suites see it: where it is and how to get a fresh user on it. */
export class DeploymentHomeserver {
  readonly name: string;
  /** The homeserver profile (`synapse`, `dendrite`, …). */
  readonly implementation: string;
  readonly baseUrl: string;
  readonly serverName: string;
  /** Where other servers reach it over federation (TLS, run CA); undefined for a `--url` target. */
  readonly federationUrl: string | undefined;
  readonly appservice: AppserviceRegistration | undefined;
  readonly mail: MailService | undefined;
  readonly #provisioning: Provisioning;
  readonly #timeoutMs: number | undefined;
  readonly #containerId: string | undefined;

  constructor(target: TargetHomeserver, requestTimeoutMs?: number) {
    this.name = target.name;
    this.implementation = target.implementation;
    this.#timeoutMs = requestTimeoutMs;
    this.baseUrl = target.baseUrl;
    this.serverName = target.serverName;
    this.federationUrl = target.federationUrl;
    this.appservice = target.appservice;
    // The application service's tokens are credentials like any access token: masked in reports.
    registerSecret(target.appservice?.as_token);
    registerSecret(target.appservice?.hs_token);
    this.mail = target.mail;
    this.#provisioning = target.provisioning;
    this.#containerId = target.containerId;
  }

  /**
   * Resolves when the homeserver's asynchronous indexes (Synapse: its user directory) have
   * processed every event persisted before the call, so a test of an eventually consistent read
   * waits out the server's backlog before its own deadline starts. Resolves at once where the
   * profile has no such step or the harness did not start the server (a `--url` target).
   */
  async caughtUp(deadlineMs = 120_000): Promise<void> {
    const containerId = this.#containerId;
    const catchUp = containerId ? getProfile(this.implementation).catchUp : undefined;
    if (!containerId || !catchUp) return;
    const { connectEngine } = await import("../env/engine.ts");
    const { docker } = await connectEngine();
    const started = Date.now();
    await catchUp({ docker, containerId, deadlineMs });
    recordTiming(`wait for ${this.name}'s indexes to catch up (${this.implementation} profile)`, Date.now() - started, 200);
  }

  /** A client without credentials, for unauthenticated endpoints. */
  anonymousClient(log?: ExchangeLog): MatrixClient {
    const timeoutMs = this.#timeoutMs;
    return new MatrixClient({ baseUrl: this.baseUrl, ...(log ? { log } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
  }

  /** Registers a fresh user (localpart `<prefix>-<random>`) and returns a client logged in as them. */
  async newUser(prefix: string, options: { log?: ExchangeLog; displayName?: string } = {}): Promise<SignedInUser> {
    const localpart = `${prefix}-${randomBytes(5).toString("hex")}`;
    const password = `pw-${randomBytes(12).toString("base64url")}`;
    registerSecret(password);
    const started = Date.now();
    const account =
      this.#provisioning.kind === "profile"
        ? await getProfile(this.#provisioning.profile).registerUser(
            { baseUrl: this.baseUrl, registrationSharedSecret: this.#provisioning.registrationSharedSecret },
            { localpart, password, ...(options.displayName ? { displayName: options.displayName } : {}) },
          )
        : await registerWithDummyAuth(this.baseUrl, localpart, password, this.#timeoutMs);
    recordTiming(`register a user (${this.#provisioning.kind === "profile" ? `${this.#provisioning.profile} profile` : "open registration"})`, Date.now() - started, 200);
    const timeoutMs = this.#timeoutMs;
    const client = new MatrixClient({
      ...(timeoutMs ? { timeoutMs } : {}),
      baseUrl: this.baseUrl,
      accessToken: account.accessToken,
      userId: account.userId,
      deviceId: account.deviceId,
      ...(options.log ? { log: options.log } : {}),
    });
    return { client, localpart, password };
  }
}

export class Deployment {
  readonly homeservers: DeploymentHomeserver[];
  readonly source: string;
  /** The run CA the homeservers trust for federation; undefined for a `--url` target. */
  readonly ca: CertificatePair | undefined;
  readonly #incidentsFile: string | undefined;
  readonly #peerPortsDir: string | undefined;

  constructor(homeservers: TargetHomeserver[], source: string, options: { requestTimeoutMs?: number; ca?: CertificatePair; incidentsFile?: string; peerPortsDir?: string } = {}) {
    this.homeservers = homeservers.map((hs) => new DeploymentHomeserver(hs, options.requestTimeoutMs));
    this.source = source;
    this.ca = options.ca;
    this.#incidentsFile = options.incidentsFile;
    this.#peerPortsDir = options.peerPortsDir;
  }

  /**
   * Whether a federation peer may listen on `port`: only if no peer of any run against this
   * deployment used it before, since its homeservers may still be backing off from that name.
   */
  claimPeerPort(port: number): boolean {
    return claimPeerPort(port, this.#peerPortsDir);
  }

  /** A homeserver by name; throws at once when the run saw it (or its database) go down. */
  homeserver(name = "hs1"): DeploymentHomeserver {
    const found = this.homeservers.find((hs) => hs.name === name);
    if (!found) throw new Error(`the deployment under test (${this.source}) has no homeserver ${name}; it has ${this.homeservers.map((hs) => hs.name).join(", ")}`);
    const incident = readIncidents(this.#incidentsFile).find((i) => i.affects.includes(name));
    if (incident) throw new DeploymentDownError(name, incident);
    return found;
  }

  has(name: string): boolean {
    return this.homeservers.some((hs) => hs.name === name);
  }
}

/** The deployment `gauntlet run` points this suite worker at, through its target file. */
export function loadDeployment(env: NodeJS.ProcessEnv = process.env): Deployment {
  const target = readTargetFile(env);
  const source = target.runId ? `run ${target.runId}` : (target.homeservers[0]?.baseUrl ?? "the target file");
  return new Deployment(target.homeservers, source, {
    requestTimeoutMs: target.requestTimeoutMs,
    ...(target.ca ? { ca: target.ca } : {}),
    ...(target.incidentsFile ? { incidentsFile: target.incidentsFile } : {}),
    ...(target.peerPortsDir ? { peerPortsDir: target.peerPortsDir } : {}),
  });
}
