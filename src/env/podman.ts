import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { probeEngine } from "./engine.ts";

/** Where `gauntlet setup --engine podman` serves Podman's Docker-compatible API (rootful Podman's usual socket). */
export const PODMAN_SOCKET = "/run/podman/podman.sock";
const PODMAN_LOG = "/var/log/gauntlet-podman.log";

// Ceilings well under common hard limits: enough descriptors and threads for any homeserver.
const NOFILE_CEILING = 16_384;
const NPROC_CEILING = 32_767;

/** A hard limit from /proc/PID/limits ("Max open files  1024  4096  files"); undefined when unlimited or absent. */
export function hardLimit(limitsText: string, name: "Max open files" | "Max processes"): number | undefined {
  const line = limitsText.split("\n").find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  return hard && /^\d+$/.test(hard) ? Number(hard) : undefined;
}

/**
 * Podman raises a container's open-files and process limits to the maximum unless told
 * otherwise, which fails without CAP_SYS_RESOURCE (runc: "error setting rlimit … operation not
 * permitted"). Gauntlet asks for limits below this machine's hard limits instead; Docker leaves
 * them alone, so only Podman gets these.
 */
export function podmanUlimits(limitsText = readSelfLimits()): Record<"nofile" | "nproc", { soft: number; hard: number }> {
  const below = (hard: number | undefined, ceiling: number) => Math.min(ceiling, hard === undefined ? ceiling : hard - 1);
  const nofile = below(hardLimit(limitsText, "Max open files"), NOFILE_CEILING);
  const nproc = below(hardLimit(limitsText, "Max processes"), NPROC_CEILING);
  return { nofile: { soft: nofile, hard: nofile }, nproc: { soft: nproc, hard: nproc } };
}

function readSelfLimits(): string {
  return existsSync("/proc/self/limits") ? readFileSync("/proc/self/limits", "utf8") : "";
}

/** Starts `podman system service` on PODMAN_SOCKET (no idle timeout) and waits until it answers. */
export async function startPodmanService(progress: (message: string) => void): Promise<{ version: string }> {
  mkdirSync(dirname(PODMAN_SOCKET), { recursive: true });
  progress(`starting podman system service on unix://${PODMAN_SOCKET} (log: ${PODMAN_LOG})`);
  const log = openSync(PODMAN_LOG, "a");
  // The service outlives this command: it must not run in (and depend on) the caller's directory,
  // which may be deleted while it runs (Podman then fails every container with "write child: broken pipe").
  const child = spawn("podman", ["system", "service", "--time=0", `unix://${PODMAN_SOCKET}`], { detached: true, cwd: "/", stdio: ["ignore", log, log] });
  child.unref();
  const deadline = Date.now() + 30_000;
  let lastError = "";
  while (Date.now() < deadline) {
    try {
      const found = await probeEngine({ DOCKER_HOST: `unix://${PODMAN_SOCKET}` });
      return { version: found.version };
    } catch (error) {
      lastError = (error as Error).message.split("\n")[0] ?? "";
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  throw new Error(`podman system service did not answer on ${PODMAN_SOCKET} within 30 s (${lastError}); see ${PODMAN_LOG}`);
}
