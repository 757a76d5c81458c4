import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AppserviceRegistration } from "../appservice/registration.ts";
import { MatrixClient } from "../client/client.ts";
import { ExchangeLog, recordTiming } from "../client/exchange.ts";
import { registerSecret } from "../client/redact.ts";
import { registerWithDummyAuth } from "../client/registration.ts";
import { Environment } from "../env/environment.ts";
import { getProfile } from "../env/profiles/index.ts";
import type { MailService } from "../env/profiles/types.ts";

/** The environment variables through which `gauntlet run` tells suite workers what to test. */
export const RUN_ID_VARIABLE = "GAUNTLET_RUN_ID";
export const TARGET_FILE_VARIABLE = "GAUNTLET_TARGET_FILE";
export const REQUEST_TIMEOUT_VARIABLE = "GAUNTLET_REQUEST_TIMEOUT_MS";

function requestTimeoutMs(): number | undefined {
  const value = Number(process.env[REQUEST_TIMEOUT_VARIABLE]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** How users are created on a homeserver under test. */
export type Provisioning =
  | { kind: "profile"; profile: string; registrationSharedSecret: string }
  /** The spec's POST /register with the m.login.dummy stage (open registration). */
  | { kind: "open-registration" };

export interface TargetHomeserver {
  name: string;
  baseUrl: string;
  serverName: string;
  provisioning: Provisioning;
  /** The harness's application service, when the homeserver was started with it registered. */
  appservice?: AppserviceRegistration;
  /** The mail sink the homeserver sends its email to, when it was started with one. */
  mail?: MailService;
}

/** A deployment given by URL instead of a run: what `--url` writes to the target file (mode 0600). */
export interface TargetFile {
  version: 1;
  profile: string;
  homeservers: TargetHomeserver[];
}

/** One homeserver as suites see it: where it is and how to get a fresh user on it. */
export class DeploymentHomeserver {
  readonly name: string;
  readonly baseUrl: string;
  readonly serverName: string;
  readonly appservice: AppserviceRegistration | undefined;
  readonly mail: MailService | undefined;
  readonly #provisioning: Provisioning;

  constructor(target: TargetHomeserver) {
    this.name = target.name;
    this.baseUrl = target.baseUrl;
    this.serverName = target.serverName;
    this.appservice = target.appservice;
    // The application service's tokens are credentials like any access token: masked in reports.
    registerSecret(target.appservice?.as_token);
    registerSecret(target.appservice?.hs_token);
    this.mail = target.mail;
    this.#provisioning = target.provisioning;
  }

  /** A client without credentials, for unauthenticated endpoints. */
  anonymousClient(log?: ExchangeLog): MatrixClient {
    const timeoutMs = requestTimeoutMs();
    return new MatrixClient({ baseUrl: this.baseUrl, ...(log ? { log } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
  }

  /** Registers a fresh user (localpart `<prefix>-<random>`) and returns a client logged in as them. */
  async newUser(prefix: string, options: { log?: ExchangeLog; displayName?: string } = {}): Promise<{ client: MatrixClient; localpart: string; password: string }> {
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
        : await registerWithDummyAuth(this.baseUrl, localpart, password, requestTimeoutMs());
    recordTiming(`register a user (${this.#provisioning.kind === "profile" ? `${this.#provisioning.profile} profile` : "open registration"})`, Date.now() - started, 200);
    const timeoutMs = requestTimeoutMs();
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

  constructor(homeservers: TargetHomeserver[], source: string) {
    this.homeservers = homeservers.map((hs) => new DeploymentHomeserver(hs));
    this.source = source;
  }

  homeserver(name = "hs1"): DeploymentHomeserver {
    const found = this.homeservers.find((hs) => hs.name === name);
    if (!found) throw new Error(`the deployment under test (${this.source}) has no homeserver ${name}; it has ${this.homeservers.map((hs) => hs.name).join(", ")}`);
    return found;
  }

  has(name: string): boolean {
    return this.homeservers.some((hs) => hs.name === name);
  }
}

/** The homeservers of a run started by `gauntlet env up` or `gauntlet run`. */
export function targetsOfRun(runId: string): TargetHomeserver[] {
  const environment = Environment.load(runId);
  return environment.state.homeservers.map((hs) => ({
    name: hs.name,
    baseUrl: hs.baseUrl,
    serverName: hs.serverName,
    provisioning: { kind: "profile", profile: hs.profile, registrationSharedSecret: hs.registrationSharedSecret },
    ...(hs.appservice ? { appservice: hs.appservice } : {}),
    ...(hs.mail ? { mail: hs.mail } : {}),
  }));
}

/** The deployment named by the environment of this process (set by `gauntlet run`). */
export function loadDeployment(env: NodeJS.ProcessEnv = process.env): Deployment {
  const runId = env[RUN_ID_VARIABLE];
  if (runId) return new Deployment(targetsOfRun(runId), `run ${runId}`);
  const file = env[TARGET_FILE_VARIABLE];
  if (file) {
    const target = JSON.parse(readFileSync(file, "utf8")) as TargetFile;
    return new Deployment(target.homeservers, target.homeservers[0]?.baseUrl ?? file);
  }
  throw new Error(
    `no deployment to test: suites run through \`gauntlet run\`, or with ${RUN_ID_VARIABLE}=<run id> from \`gauntlet env up\` (npx vitest --config suites/vitest.config.ts)`,
  );
}
