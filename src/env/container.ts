import { GenericContainer, type StartedTestContainer } from "testcontainers";
import type Dockerode from "dockerode";
import { connectEngine } from "./engine.ts";
import { LABEL_ROLE, LABEL_RUN } from "./labels.ts";
import { podmanUlimits } from "./podman.ts";
import type { ContainerPlan } from "./profiles/types.ts";

export type NetworkMode = "host" | "bridge";

/** Where a run's containers meet: the host's loopback, or a user-defined bridge network of the run. */
export interface RunNetwork {
  mode: NetworkMode;
  /** The bridge network's name (bridge mode only). */
  bridge: string;
}

/** Services bind loopback in host mode; in bridge mode other containers must reach them. */
export function listenAddress(network: RunNetwork): string {
  return network.mode === "host" ? "127.0.0.1" : "0.0.0.0";
}

/** How one container joins the run's network: under an alias, with the ports it serves. */
export function attachTo(network: RunNetwork, alias: string, exposedPorts: number[]): ContainerRequest["network"] {
  return network.mode === "host" ? { mode: "host" } : { mode: "bridge", name: network.bridge, alias, exposedPorts };
}

export interface ContainerRequest {
  runId: string;
  role: string;
  image: string;
  plan: ContainerPlan;
  /** `host`, or the name of the run's user-defined network in bridge mode. */
  network: { mode: "host" } | { mode: "bridge"; name: string; alias: string; exposedPorts: number[] };
}

/** Creates and starts a labelled container; no wait strategy: callers poll what they need. */
export async function startContainer(request: ContainerRequest): Promise<StartedTestContainer> {
  const { plan } = request;
  let container = new GenericContainer(request.image)
    .withLabels({ [LABEL_RUN]: request.runId, [LABEL_ROLE]: request.role })
    .withName(`gauntlet-${request.runId}-${request.role}`)
    .withEntrypoint(plan.entrypoint)
    .withCommand(plan.command)
    .withEnvironment(plan.env)
    .withCopyContentToContainer(plan.files.map((file) => ({ content: file.content, target: file.path, mode: file.mode ?? 0o644 })))
    .withStartupTimeout(60_000);
  if (plan.user) container = container.withUser(plan.user);
  if ((await connectEngine()).kind === "podman") container = container.withUlimits(podmanUlimits());
  if (request.network.mode === "host") {
    container = container.withNetworkMode("host");
  } else {
    container = container
      .withNetworkMode(request.network.name)
      .withNetworkAliases(request.network.alias)
      .withExposedPorts(...request.network.exposedPorts);
  }
  return container.start();
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into text. */
export function demuxLogs(buffer: Buffer): string {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    if ((stream !== 1 && stream !== 2) || buffer[offset + 1] !== 0) return buffer.toString("utf8");
    out.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return offset === 0 ? buffer.toString("utf8") : Buffer.concat(out).toString("utf8");
}

/** The last `tail` lines a container wrote to stdout and stderr. */
export async function containerLogs(docker: Dockerode, containerId: string, tail: number | "all" = 50): Promise<string> {
  const raw = (await docker.getContainer(containerId).logs({ stdout: true, stderr: true, follow: false, tail: tail === "all" ? undefined : tail })) as unknown as Buffer;
  return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
}

/** Whether the container is still running, with its exit code when it is not. */
export async function containerState(docker: Dockerode, containerId: string): Promise<{ running: boolean; exitCode: number }> {
  const info = await docker.getContainer(containerId).inspect();
  return { running: info.State.Running, exitCode: info.State.ExitCode };
}

/** Runs a command in a container and returns its stdout; throws with the exit code when it fails. */
export async function execInContainer(docker: Dockerode, containerId: string, command: string[], user?: string): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: command, AttachStdout: true, AttachStderr: true, ...(user ? { User: user } : {}) });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    docker.modem.demuxStream(stream, { write: (chunk: Buffer) => stdout.push(chunk) } as never, { write: (chunk: Buffer) => stderr.push(chunk) } as never);
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  const info = await exec.inspect();
  if (info.ExitCode !== 0) {
    throw new Error(`${command.join(" ")} exited with ${info.ExitCode} in ${containerId.slice(0, 12)}: ${Buffer.concat(stderr).toString("utf8").trim()}`);
  }
  return Buffer.concat(stdout).toString("utf8").trim();
}
