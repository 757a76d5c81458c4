import { UserError } from "../errors/user-error.ts";
import { readTargetFile, TARGET_FILE_VARIABLE, type TargetHomeserver } from "../deployment/target-file.ts";
import { Environment, startEnvironment, type EnvironmentOptions } from "../env/environment.ts";
import type { CertificatePair } from "../env/tls.ts";
import { claimRun, releaseRun, removeOrphanedRuns } from "./ownership.ts";
import type { WatchedContainer } from "./watchdog.ts";

/** What `gauntlet run` tests: an environment it starts, one of `gauntlet env up`, or a server at a URL. */
export type TargetRequest =
  | { kind: "start"; options: EnvironmentOptions }
  | { kind: "run"; runId: string }
  | { kind: "url"; url: string; implementation: string; serverName?: string; registrationSecret?: string }
  /** A target file as `gauntlet run` hands its suites (the mutation check writes one naming its proxies). */
  | { kind: "file"; path: string };

/** The deployment under test, ready for the suites; `close` tears down what was started for it. */
export interface OpenTarget {
  runId: string | null;
  database: string | null;
  homeservers: TargetHomeserver[];
  /** The run CA, which the homeservers' federation certificates chain to. */
  ca?: CertificatePair;
  /** The containers of the deployment, watched while the suites run; none for `--url`. */
  containers: WatchedContainer[];
  environmentMs: number;
  close: () => Promise<void>;
}

/** The homeservers of an environment, as the target file describes them to suites. */
export function targetOfEnvironment(environment: Environment): TargetHomeserver[] {
  return environment.state.homeservers.map((hs) => ({
    name: hs.name,
    implementation: hs.profile,
    baseUrl: hs.baseUrl,
    serverName: hs.serverName,
    federationUrl: hs.federationUrl,
    provisioning: { kind: "profile", profile: hs.profile, registrationSharedSecret: hs.registrationSharedSecret },
    ...(hs.appservice ? { appservice: hs.appservice } : {}),
    ...(hs.mail ? { mail: hs.mail } : {}),
    containerId: hs.containerId,
  }));
}

/** A homeserver given by `--url`: users come from the profile's admin registration, or open registration. */
export function urlTarget(request: Extract<TargetRequest, { kind: "url" }>): TargetHomeserver {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new UserError(`--url ${request.url}: not a URL; give the client-server base URL, e.g. http://127.0.0.1:8008`, 2);
  }
  return {
    name: "hs1",
    implementation: request.implementation,
    baseUrl: url.toString().replace(/\/+$/, ""),
    serverName: request.serverName ?? url.host,
    provisioning: request.registrationSecret
      ? { kind: "profile", profile: request.implementation, registrationSharedSecret: request.registrationSecret }
      : { kind: "open-registration" },
  };
}

/** The deployment a target file describes, taken as it is: nothing to watch or tear down. */
function fileTarget(path: string): OpenTarget {
  let file;
  try {
    file = readTargetFile({ [TARGET_FILE_VARIABLE]: path });
  } catch (error) {
    throw new UserError(`--target ${path}: ${(error as Error).message}`, 2);
  }
  return { runId: file.runId, database: null, homeservers: file.homeservers, ...(file.ca ? { ca: file.ca } : {}), containers: [], environmentMs: 0, close: async () => {} };
}

/** Each homeserver's container, and the PostgreSQL container every one of them depends on. */
export function containersOfEnvironment(environment: Environment): WatchedContainer[] {
  const { state } = environment;
  const names = state.homeservers.map((hs) => hs.name);
  return [
    ...state.homeservers.map((hs) => ({ role: hs.name, containerId: hs.containerId, description: `${hs.name} (${hs.profile})`, affects: [hs.name] })),
    ...(state.postgres
      ? [{ role: "postgres", containerId: state.postgres.containerId, description: `PostgreSQL, the database of ${names.join(" and ")},`, affects: names }]
      : []),
  ];
}

function environmentTarget(environment: Environment, environmentMs: number, close: () => Promise<void>): OpenTarget {
  return {
    runId: environment.runId,
    database: environment.state.database,
    homeservers: targetOfEnvironment(environment),
    ca: environment.state.ca,
    containers: containersOfEnvironment(environment),
    environmentMs,
    close,
  };
}

/** Opens the target: starts an environment, loads one, or takes the URL as it is. */
export async function openTarget(request: TargetRequest, options: { keep: boolean; signal: AbortSignal; progress: (line: string) => void }): Promise<OpenTarget> {
  const started = Date.now();
  if (request.kind === "url") return { runId: null, database: null, homeservers: [urlTarget(request)], containers: [], environmentMs: 0, close: async () => {} };
  if (request.kind === "file") return fileTarget(request.path);
  if (request.kind === "run") {
    let environment: Environment;
    try {
      environment = Environment.load(request.runId);
    } catch (error) {
      throw new UserError((error as Error).message, 2);
    }
    return environmentTarget(environment, Date.now() - started, async () => {});
  }
  await removeOrphanedRuns(options.progress);
  options.progress(`starting ${request.options.profile ?? "synapse"} on ${request.options.database ?? "sqlite"}…`);
  const environment = await startEnvironment({ ...request.options, signal: options.signal, progress: options.progress });
  // Until it is torn down, the environment is this process's: should it be killed, the next run removes it.
  if (!options.keep) claimRun(environment.runId);
  return environmentTarget(environment, Date.now() - started, async () => {
    if (options.keep) {
      options.progress(`keeping run ${environment.runId}; stop it with \`gauntlet env down ${environment.runId}\``);
      return;
    }
    options.progress(`tearing down run ${environment.runId}`);
    await environment.stop().catch((error: Error) => process.stderr.write(`gauntlet: teardown of ${environment.runId} failed: ${error.message}\n`));
    releaseRun(environment.runId);
  });
}
