import Dockerode from "dockerode";
import { candidateEndpoints, connectEngine, engineGet, type EngineEndpoint } from "./engine.ts";
import type { BuildProgress } from "./images.ts";

/**
 * Podman keeps its own image store: an image built or pulled with Docker on the same machine is
 * not in it. Before pulling or building for Podman, Gauntlet copies the image over from another
 * engine that has it (Docker's `GET /images/NAME/get` into Podman's `POST /images/load`, what
 * `docker save NAME | podman load` does).
 */

/** The machine's other engine sockets (the usual ones, whatever DOCKER_HOST says), not the one in use. */
export function otherEngineEndpoints(current: EngineEndpoint, env: NodeJS.ProcessEnv = process.env): EngineEndpoint[] {
  const { DOCKER_HOST: _inUse, ...withoutHost } = env;
  return candidateEndpoints(withoutHost).filter((endpoint) => endpoint.url !== current.url);
}

/** Whether an image is in an engine's store. */
async function holds(engine: Dockerode, name: string): Promise<boolean> {
  return engine
    .getImage(name)
    .inspect()
    .then(() => true, () => false);
}

/** Streams one image from a source engine into a target engine; resolves when the target has stored it. */
export async function transferImage(source: Dockerode, target: Dockerode, name: string): Promise<void> {
  const archive = await source.getImage(name).get();
  const loading = await target.loadImage(archive, { quiet: true });
  await new Promise<void>((resolve, reject) => {
    target.modem.followProgress(loading, (error, events: { error?: string }[] | undefined) => {
      const failed = error?.message ?? events?.find((event) => event.error)?.error;
      if (failed) reject(new Error(`loading ${name}: ${failed}`));
      else resolve();
    });
  });
  if (!(await holds(target, name))) throw new Error(`loading ${name} reported success, but the engine does not list the image`);
}

/**
 * Copies an image into the engine in use from another engine on the machine that has it. Only
 * into Podman: resolves false at once on Docker, and when no other engine has the image.
 */
export async function copyFromAnotherEngine(target: Dockerode, name: string, progress: BuildProgress): Promise<boolean> {
  const engine = await connectEngine();
  if (engine.kind !== "podman") return false;
  for (const endpoint of otherEngineEndpoints(engine.endpoint)) {
    const answers = await engineGet(endpoint, "/_ping").then((ping) => ping.status === 200, () => false);
    if (!answers || !endpoint.socketPath) continue;
    const source = new Dockerode({ socketPath: endpoint.socketPath });
    if (!(await holds(source, name))) continue;
    const started = Date.now();
    progress(`copying ${name} from ${endpoint.url} into Podman's image store`);
    await transferImage(source, target, name);
    progress(`copied ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return true;
  }
  return false;
}
