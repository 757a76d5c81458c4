import { spawn, spawnSync } from "node:child_process";
import { existsSync, openSync } from "node:fs";
import { probeEngine } from "./engine.ts";
import { PODMAN_SOCKET, startPodmanService } from "./podman.ts";

export interface SetupOptions {
  /** Extra arguments for dockerd. The default keeps the engine off every non-loopback network. */
  dockerdArgs?: string[];
  progress: (message: string) => void;
}

const DOCKERD_LOG = "/var/log/gauntlet-dockerd.log";

function which(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

function aptInstall(packages: string[], progress: (message: string) => void): void {
  progress(`apt-get install ${packages.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", ...packages]]) {
    const result = spawnSync("apt-get", args, { env, encoding: "utf8" });
    if (result.status !== 0) {
      throw new Error(`apt-get ${args.join(" ")} failed (exit ${result.status}):\n${(result.stderr || result.stdout).slice(-2000)}`);
    }
  }
}

/**
 * Prepares a Debian/Ubuntu machine: a Docker engine (docker.io) and debootstrap for building
 * images without a registry, then starts dockerd when nothing answers on the socket.
 */
export async function setupMachine(options: SetupOptions): Promise<{ engine: string; started: boolean }> {
  const { progress } = options;
  const missing = [
    ...(which("dockerd") || which("podman") ? [] : ["docker.io"]),
    ...(existsSync("/usr/sbin/debootstrap") ? [] : ["debootstrap"]),
  ];
  try {
    const found = await probeEngine();
    if (missing.includes("debootstrap")) {
      if (process.getuid?.() === 0 && which("apt-get")) aptInstall(["debootstrap"], progress);
      else progress("debootstrap is missing: images can only come from a registry (apt-get install debootstrap as root to build them here)");
    }
    progress(`${found.kind} ${found.version} is reachable at ${found.endpoint.url}`);
    return { engine: `${found.kind} ${found.version}`, started: false };
  } catch {
    // No engine yet: install and start one below.
  }
  if (process.platform !== "linux" || process.getuid?.() !== 0 || !which("apt-get")) {
    throw new Error(
      "No container engine is reachable, and `gauntlet setup` can only install one on Debian/Ubuntu as root. " +
        "Install Docker or Podman yourself, start it, and set DOCKER_HOST if its socket is not /var/run/docker.sock.",
    );
  }
  if (missing.length > 0) aptInstall(missing, progress);
  if (!which("dockerd")) throw new Error("dockerd is not on PATH after installing docker.io");
  // No default bridge and no iptables rules: every container uses host networking on loopback.
  const args = options.dockerdArgs ?? ["--bridge=none", "--iptables=false"];
  progress(`starting dockerd ${args.join(" ")} (log: ${DOCKERD_LOG})`);
  const log = openSync(DOCKERD_LOG, "a");
  // dockerd outlives this command: it runs in "/", not in the caller's directory (which may be deleted).
  const child = spawn("dockerd", args, { detached: true, cwd: "/", stdio: ["ignore", log, log] });
  child.unref();
  const deadline = Date.now() + 60_000;
  let lastError = "";
  while (Date.now() < deadline) {
    try {
      const found = await probeEngine({ ...process.env, DOCKER_HOST: "unix:///var/run/docker.sock" });
      progress(`${found.kind} ${found.version} is up`);
      return { engine: `${found.kind} ${found.version}`, started: true };
    } catch (error) {
      lastError = (error as Error).message.split("\n")[0] ?? "";
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(`dockerd did not come up within 60 s (${lastError}); see ${DOCKERD_LOG}`);
}

/**
 * Prepares Podman beside (or instead of) Docker: Debian's podman package, and its Docker-compatible
 * API served on PODMAN_SOCKET; runs then use it with DOCKER_HOST=unix://PODMAN_SOCKET.
 */
export async function setupPodman(progress: (message: string) => void): Promise<{ engine: string; started: boolean; dockerHost: string }> {
  const dockerHost = `unix://${PODMAN_SOCKET}`;
  try {
    const found = await probeEngine({ DOCKER_HOST: dockerHost });
    if (found.kind === "podman") return { engine: `podman ${found.version}`, started: false, dockerHost };
  } catch {
    // Not serving yet: install and start below.
  }
  if (!which("podman")) {
    if (process.platform !== "linux" || process.getuid?.() !== 0 || !which("apt-get")) {
      throw new Error("podman is not installed, and `gauntlet setup --podman` installs it only on Debian/Ubuntu as root; install podman and run `podman system service` yourself");
    }
    aptInstall(["podman"], progress);
  }
  const { version } = await startPodmanService(progress);
  return { engine: `podman ${version}`, started: true, dockerHost };
}
