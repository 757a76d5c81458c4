import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AppserviceRegistration } from "../appservice/registration.ts";
import type { MailService } from "../env/profiles/types.ts";
import type { CertificatePair } from "../env/tls.ts";

/**
 * The one channel from `gauntlet run` to the suites: the path of a target file, written by the
 * run for every kind of target (an environment it started, `--run`, `--url`), read by
 * `readTargetFile` in each suite worker.
 */
export const TARGET_FILE_VARIABLE = "GAUNTLET_TARGET_FILE";


/** How users are created on a homeserver under test. */
export type Provisioning =
  | { kind: "profile"; profile: string; registrationSharedSecret: string }
  /** The spec's POST /register with the m.login.dummy stage (open registration). */
  | { kind: "open-registration" };

export interface TargetHomeserver {
  name: string;
  /** The homeserver profile (`synapse`, `dendrite`, …). */
  implementation: string;
  baseUrl: string;
  serverName: string;
  /** Where other servers reach it over federation (TLS, run CA); absent for `--url` targets. */
  federationUrl?: string;
  provisioning: Provisioning;
  /** The harness's application service, when the homeserver was started with it registered. */
  appservice?: AppserviceRegistration;
  /** The mail sink the homeserver sends its email to, when it was started with one. */
  mail?: MailService;
  /** The container the harness started the homeserver in; profiles read the state of its indexes through it. */
  containerId?: string;
}

/** What suites test: holds credentials, so it is written with mode 0600 and removed after the run. */
export interface TargetFile {
  version: 2;
  /** The environment of `gauntlet env up` or `gauntlet run`; null for `--url`. */
  runId: string | null;
  /** How long any one request to a homeserver may take. */
  requestTimeoutMs: number;
  /** The run CA the homeservers trust for federation: a federation peer's certificate is signed with it. */
  ca?: CertificatePair;
  /** Where the run writes incidents (a homeserver or its database died or stalled) while suites run. */
  incidentsFile?: string;
  /**
   * Where federation peers record the ports they took, so no later peer takes one again (see
   * `claimPeerPort`). For an environment, it lives beside the run state and spans every run
   * against it; otherwise it is beside the target file.
   */
  peerPortsDir?: string;
  homeservers: TargetHomeserver[];
}

/** Writes the target file into a fresh private directory; `env` is what suite workers need to find it. */
export function writeTargetFile(target: TargetFile): { file: string; incidentsFile: string; env: Record<string, string>; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "gauntlet-target-"));
  const file = join(dir, "target.json");
  const incidentsFile = join(dir, "incidents.json");
  const peerPortsDir = target.peerPortsDir ?? join(dir, "peer-ports");
  writeFileSync(file, JSON.stringify({ ...target, incidentsFile, peerPortsDir }), { mode: 0o600 });
  return {
    file,
    incidentsFile,
    env: { [TARGET_FILE_VARIABLE]: file },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The target file named by this process's environment (set by `gauntlet run` for its suite workers). */
export function readTargetFile(env: NodeJS.ProcessEnv = process.env): TargetFile {
  const file = env[TARGET_FILE_VARIABLE];
  if (!file) {
    throw new Error(`no deployment to test: suites run through \`gauntlet run\` (\`gauntlet run --run RUN\` tests an environment of \`gauntlet env up\`), which sets ${TARGET_FILE_VARIABLE}`);
  }
  let parsed: Partial<TargetFile>;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<TargetFile>;
  } catch (error) {
    throw new Error(`${TARGET_FILE_VARIABLE}=${file}: expected a target file written by gauntlet run (${(error as Error).message})`);
  }
  if (parsed.version !== 2 || !Array.isArray(parsed.homeservers) || typeof parsed.requestTimeoutMs !== "number") {
    throw new Error(`${TARGET_FILE_VARIABLE}=${file}: expected a target file of version 2 with homeservers and requestTimeoutMs, got version ${String(parsed.version)}; run the suites through this gauntlet`);
  }
  return parsed as TargetFile;
}
