import { request } from "node:http";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { getContainerRuntimeClient, type ContainerRuntimeClient } from "testcontainers";

/** Where a Docker-API engine (Docker or Podman) listens. */
export interface EngineEndpoint {
  /** As DOCKER_HOST spells it: unix:///var/run/docker.sock, tcp://127.0.0.1:2375. */
  url: string;
  socketPath?: string;
  host?: string;
  port?: number;
}

export interface ConnectedEngine {
  endpoint: EngineEndpoint;
  kind: "docker" | "podman";
  version: string;
  runtime: ContainerRuntimeClient;
  docker: Dockerode;
}

export class EngineUnavailableError extends Error {
  constructor(tried: string[]) {
    super(
      [
        `No container engine is reachable (tried ${tried.join("; ")}).`,
        "Gauntlet starts homeservers in containers and needs Docker or Podman:",
        "  - Debian/Ubuntu, as root: `gauntlet setup` installs docker.io and starts dockerd for you;",
        "  - elsewhere: start Docker Desktop, dockerd or `systemctl --user start podman.socket`, and set",
        "    DOCKER_HOST (e.g. unix:///run/user/1000/podman/podman.sock) when the socket is not at /var/run/docker.sock.",
      ].join("\n"),
    );
    this.name = "EngineUnavailableError";
  }
}

export function parseDockerHost(url: string): EngineEndpoint {
  if (url.startsWith("unix://")) return { url, socketPath: url.slice("unix://".length) };
  const match = /^(?:tcp|http|https):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?/.exec(url);
  if (match?.[1]) return { url, host: match[1].replace(/^\[|\]$/g, ""), port: Number(match[2] ?? 2375) };
  throw new EngineUnavailableError([`DOCKER_HOST=${url}: not a unix:// or tcp:// address`]);
}

/** Candidate endpoints, DOCKER_HOST first; without it, the usual Docker and Podman sockets. */
export function candidateEndpoints(env: NodeJS.ProcessEnv = process.env): EngineEndpoint[] {
  if (env.DOCKER_HOST) return [parseDockerHost(env.DOCKER_HOST)];
  const runtimeDir = env.XDG_RUNTIME_DIR;
  const sockets = [
    "/var/run/docker.sock",
    ...(runtimeDir ? [join(runtimeDir, "podman", "podman.sock"), join(runtimeDir, "docker.sock")] : []),
    "/run/podman/podman.sock",
    join(homedir(), ".docker", "run", "docker.sock"),
    join(homedir(), ".docker", "desktop", "docker.sock"),
  ];
  const present = sockets.filter((path) => existsSync(path));
  return (present.length > 0 ? present : ["/var/run/docker.sock"]).map((path) => ({ url: `unix://${path}`, socketPath: path }));
}

/** GET a path of the engine API with a deadline; resolves to status and body. */
export function engineGet(endpoint: EngineEndpoint, path: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...(endpoint.socketPath ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port }),
        path,
        method: "GET",
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** Finds a reachable engine or throws EngineUnavailableError saying what was tried and how to get one. */
export async function probeEngine(env: NodeJS.ProcessEnv = process.env): Promise<{ endpoint: EngineEndpoint; kind: "docker" | "podman"; version: string }> {
  const tried: string[] = [];
  for (const endpoint of candidateEndpoints(env)) {
    try {
      const ping = await engineGet(endpoint, "/_ping");
      if (ping.status !== 200) throw new Error(`/_ping answered HTTP ${ping.status}`);
      const version = JSON.parse((await engineGet(endpoint, "/version")).body) as {
        Version?: string;
        Components?: { Name?: string }[];
      };
      const podman = (version.Components ?? []).some((c) => /podman/i.test(c.Name ?? ""));
      return { endpoint, kind: podman ? "podman" : "docker", version: version.Version ?? "unknown" };
    } catch (error) {
      tried.push(`${endpoint.url}: ${(error as Error).message}`);
    }
  }
  throw new EngineUnavailableError(tried);
}

let connected: Promise<ConnectedEngine> | undefined;

/** Connects once per process; Testcontainers is pointed at the same endpoint the probe found. */
export function connectEngine(): Promise<ConnectedEngine> {
  connected ??= (async () => {
    const found = await probeEngine();
    process.env.DOCKER_HOST ??= found.endpoint.url;
    // Environments outlive the command that started them (`env up`), and the Ryuk image
    // may not be pullable: Gauntlet's own labels do the cleanup instead.
    process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
    // A local socket means published ports are on loopback; without this Testcontainers asks
    // for the default `bridge` network, which engines started with --bridge=none do not have.
    if (found.endpoint.socketPath) process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
    const runtime = await getContainerRuntimeClient();
    return { ...found, runtime, docker: runtime.container.dockerode };
  })();
  connected.catch(() => (connected = undefined));
  return connected;
}
