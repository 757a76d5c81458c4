import { existsSync } from "node:fs";
import { connectEngine } from "../../../src/env/engine.ts";
import { LABEL_RUN } from "../../../src/env/labels.ts";
import { isPortListening } from "../../../src/env/ports.ts";
import { runStatePath } from "../../../src/env/state.ts";

/** What a run left behind: containers and networks with its label, listening ports, its state file. */
export async function leftovers(runId: string, ports: number[]) {
  const { docker } = await connectEngine();
  const filters = { label: [`${LABEL_RUN}=${runId}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  const listening = [];
  for (const port of ports) if (await isPortListening(port)) listening.push(port);
  return {
    containers: containers.map((c) => c.Names?.[0] ?? c.Id),
    networks: networks.map((n) => n.Name),
    listeningPorts: listening,
    stateFile: existsSync(runStatePath(runId)),
  };
}

export async function volumeCount(): Promise<number> {
  const { docker } = await connectEngine();
  return ((await docker.listVolumes()).Volumes ?? []).length;
}

export const nothingLeft = { containers: [], networks: [], listeningPorts: [], stateFile: false };
