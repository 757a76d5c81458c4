import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ResolvedImage } from "./images.ts";
import type { NetworkMode } from "./container.ts";
import type { Homeserver } from "./homeserver.ts";
import type { DatabaseKind } from "./profiles/types.ts";
import type { CertificatePair } from "./tls.ts";

export interface RunState {
  version: 2;
  runId: string;
  createdAt: string;
  network: NetworkMode;
  /** The run's implementations as expectations name them: `synapse`, or `synapse+dendrite` when hs2 differs from hs1. */
  profile: string;
  database: DatabaseKind;
  roomVersion?: string;
  /** The run CA: a federation peer started later signs its certificate with it. */
  ca: CertificatePair;
  postgres?: { containerId: string; host: string; port: number; user: string; password: string; image: ResolvedImage };
  homeservers: Homeserver[];
}

/** `synapse` for a run of one implementation, `synapse+dendrite` for a mixed pair (hs1 first). */
export function implementationKey(profiles: string[]): string {
  return [...new Set(profiles)].join("+");
}

/** What the first state format kept: one profile and one homeserver image for the whole run. */
interface RunStateV1 extends Omit<RunState, "version" | "postgres" | "homeservers"> {
  version: 1;
  images: { homeserver: ResolvedImage; postgres?: ResolvedImage };
  postgres?: Omit<NonNullable<RunState["postgres"]>, "image">;
  homeservers: Omit<Homeserver, "image">[];
}

/** Runs started by an earlier Gauntlet stay readable (and removable). */
function upgrade(state: RunState | RunStateV1): RunState {
  if (state.version === 2) return state;
  const { images, postgres, ...rest } = state;
  return {
    ...rest,
    version: 2,
    ...(postgres ? { postgres: { ...postgres, image: images.postgres ?? images.homeserver } } : {}),
    homeservers: rest.homeservers.map((hs) => ({ ...hs, image: images.homeserver })),
  };
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
  return upgrade(JSON.parse(readFileSync(path, "utf8")) as RunState | RunStateV1);
}

export function listRunStates(): RunState[] {
  if (!existsSync(runsDir())) return [];
  return readdirSync(runsDir())
    .filter((name) => name.endsWith(".json"))
    .map((name) => {
      try {
        return upgrade(JSON.parse(readFileSync(join(runsDir(), name), "utf8")) as RunState | RunStateV1);
      } catch {
        return undefined;
      }
    })
    .filter((state): state is RunState => state !== undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Where the ports of federation peers that spoke to a run's homeservers are recorded (see `claimPeerPort`). */
export function peerPortsDir(runId: string): string {
  return join(runsDir(), `${runId}.peer-ports`);
}

export function removeRunState(runId: string): void {
  rmSync(runStatePath(runId), { force: true });
  rmSync(peerPortsDir(runId), { recursive: true, force: true });
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
    stateFile: runStatePath(state.runId),
    postgres: state.postgres
      ? { containerId: state.postgres.containerId, host: state.postgres.host, port: state.postgres.port, image: state.postgres.image }
      : null,
    homeservers: state.homeservers.map((hs) => ({
      name: hs.name,
      profile: hs.profile,
      image: hs.image,
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
