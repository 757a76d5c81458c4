import type Dockerode from "dockerode";
import { LABEL_RUN } from "./labels.ts";
import { listRunStates, removeRunState } from "./state.ts";

export interface TeardownResult {
  containers: string[];
  networks: string[];
}

/** Removes every container (with its anonymous volumes) and network labelled with the run, or with any run. */
export async function removeLabelled(docker: Dockerode, runId?: string): Promise<TeardownResult> {
  const label = runId ? `${LABEL_RUN}=${runId}` : LABEL_RUN;
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(
    containers.map(async (info) => {
      try {
        await docker.getContainer(info.Id).remove({ force: true, v: true });
      } catch (error) {
        // Already gone (removed concurrently) is fine; anything else is not.
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      }
    }),
  );
  const networks = await docker.listNetworks({ filters: { label: [label] } });
  for (const network of networks) await docker.getNetwork(network.Id).remove().catch(() => {});
  return { containers: containers.map((c) => (c.Names?.[0] ?? c.Id).replace(/^\//, "")), networks: networks.map((n) => n.Name) };
}

/** Tears a run down: its containers, networks and state file. */
export async function removeRun(docker: Dockerode, runId: string): Promise<TeardownResult> {
  const result = await removeLabelled(docker, runId);
  removeRunState(runId);
  return result;
}

/** Removes everything labelled by Gauntlet, the leftovers of crashed runs included. */
export async function removeAllRuns(docker: Dockerode): Promise<TeardownResult> {
  const result = await removeLabelled(docker);
  for (const state of listRunStates()) removeRunState(state.runId);
  return result;
}
