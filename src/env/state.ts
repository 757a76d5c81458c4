import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ResolvedImage } from "./images.ts";
import type { NetworkMode } from "./container.ts";
import type { AppserviceRegistration } from "../appservice/registration.ts";
import type { DatabaseKind, MailService, ProvisionedUser } from "./profiles/types.ts";
import type { CertificatePair } from "./tls.ts";

export interface HomeserverRecord {
  name: string;
  profile: string;
  serverName: string;
  baseUrl: string;
  /** host:port other servers connect to for federation (TLS). */
  federationAddress: string;
  federationUrl: string;
  containerId: string;
  database: { kind: DatabaseKind; name: string; host?: string; port?: number };
  signingKeyId: string;
  registrationSharedSecret: string;
  admin: ProvisionedUser;
  /** The harness's application service as registered with this homeserver (tokens included). */
  appservice?: AppserviceRegistration;
  /** The mail sink this homeserver sends its email to. */
  mail?: MailService;
}

export interface RunState {
  version: 1;
  runId: string;
  createdAt: string;
  network: NetworkMode;
  profile: string;
  database: DatabaseKind;
  roomVersion?: string;
  images: { homeserver: ResolvedImage; postgres?: ResolvedImage };
  /** The run CA: a federation peer started later signs its certificate with it. */
  ca: CertificatePair;
  postgres?: { containerId: string; host: string; port: number; user: string; password: string };
  homeservers: HomeserverRecord[];
}

/** Where run state lives: GAUNTLET_STATE_DIR, else $XDG_STATE_HOME/gauntlet, else ~/.local/state/gauntlet. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GAUNTLET_STATE_DIR) return env.GAUNTLET_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "gauntlet");
}

function runsDir(): string {
  return join(stateDir(), "runs");
}

export function runStatePath(runId: string): string {
  return join(runsDir(), `${runId}.json`);
}

/** Writes a run's state, secrets included, readable by its owner only (mode 0600). */
export function writeRunState(state: RunState): string {
  mkdirSync(runsDir(), { recursive: true, mode: 0o700 });
  const path = runStatePath(state.runId);
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

export function readRunState(runId: string): RunState {
  const path = runStatePath(runId);
  if (!existsSync(path)) throw new Error(`no run ${runId} (no state file at ${path}); \`gauntlet env status\` lists the runs`);
  return JSON.parse(readFileSync(path, "utf8")) as RunState;
}

export function listRunStates(): RunState[] {
  if (!existsSync(runsDir())) return [];
  return readdirSync(runsDir())
    .filter((name) => name.endsWith(".json"))
    .map((name) => {
      try {
        return JSON.parse(readFileSync(join(runsDir(), name), "utf8")) as RunState;
      } catch {
        return undefined;
      }
    })
    .filter((state): state is RunState => state !== undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export function removeRunState(runId: string): void {
  rmSync(runStatePath(runId), { force: true });
}

/** What may be printed: the state without secrets (tokens, passwords, keys). */
export function publicView(state: RunState) {
  return {
    runId: state.runId,
    createdAt: state.createdAt,
    network: state.network,
    profile: state.profile,
    database: state.database,
    roomVersion: state.roomVersion ?? null,
    images: state.images,
    stateFile: runStatePath(state.runId),
    postgres: state.postgres ? { containerId: state.postgres.containerId, host: state.postgres.host, port: state.postgres.port } : null,
    homeservers: state.homeservers.map((hs) => ({
      name: hs.name,
      profile: hs.profile,
      serverName: hs.serverName,
      baseUrl: hs.baseUrl,
      federationAddress: hs.federationAddress,
      federationUrl: hs.federationUrl,
      containerId: hs.containerId,
      database: hs.database,
      signingKeyId: hs.signingKeyId,
      adminUserId: hs.admin.userId,
      appservice: hs.appservice ? { id: hs.appservice.id, url: hs.appservice.url } : null,
      mailSink: hs.mail ? `127.0.0.1:${hs.mail.smtpPort}` : null,
    })),
  };
}
