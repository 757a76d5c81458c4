import type Dockerode from "dockerode";
import { copyFromAnotherEngine } from "./image-transfer.ts";
import { LABEL_IMAGE_BUILT, LABEL_IMAGE_SOURCE } from "./labels.ts";

export type BuildProgress = (line: string) => void;

export type ImageRole = "homeserver" | "postgres";
export type ImageSource = "auto" | "registry" | "debian";

export interface ResolvedImage {
  name: string;
  /** registry: pulled from a registry; debian: built here on the Debian-built base; given: named by the user. */
  origin: "registry" | "debian" | "given";
}

export const POSTGRES_REGISTRY_IMAGE = "postgres:18";

/**
 * A Docker Hub image name as served by another registry (a mirror, a pull-through cache, an
 * internal registry): `postgres:18` becomes `REGISTRY/library/postgres:18`.
 */
export function fromRegistry(image: string, registry: string | undefined): string {
  if (!registry) return image;
  const path = image.includes("/") ? image : `library/${image}`;
  return `${registry.replace(/\/+$/, "")}/${path}`;
}

export async function imageExists(docker: Dockerode, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Pulls an image; resolves false (with the reason) when the registry cannot be reached. */
export async function pullImage(docker: Dockerode, name: string, progress: BuildProgress): Promise<{ ok: boolean; reason?: string }> {
  try {
    const stream = await docker.pull(name);
    let lastReport = 0;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (error) => (error ? reject(error) : resolve()),
        (event: { status?: string; progress?: string }) => {
          if (Date.now() - lastReport > 3000) {
            lastReport = Date.now();
            progress(`pull ${name}: ${event.status ?? ""} ${event.progress ?? ""}`.trim());
          }
        },
      );
    });
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: (error as Error).message.split("\n")[0] };
  }
}

/** An image Gauntlet builds on this machine where no registry answers, from a recipe in `docker/`. */
export interface LocalImageRecipe {
  /** What the image holds, for progress lines. */
  description: string;
  /** Name and tag of the built image: the tag changes with the recipe, so a changed recipe builds anew. */
  tag(): string;
  canBuild(): { ok: boolean; reason?: string };
  build(docker: Dockerode, progress: BuildProgress): Promise<string>;
}

// Images are built once per machine: concurrent runs wait for the same build.
const building = new Map<string, Promise<string>>();

/** The recipe's image: the one already here, else built now (once, however many runs ask). */
export async function ensureLocalImage(docker: Dockerode, recipe: LocalImageRecipe, progress: BuildProgress): Promise<string> {
  const tag = recipe.tag();
  if (await imageExists(docker, tag)) return tag;
  let pending = building.get(tag);
  if (!pending) {
    pending = (async () => ((await copyFromAnotherEngine(docker, tag, progress)) ? tag : recipe.build(docker, progress)))().finally(() =>
      building.delete(tag),
    );
    building.set(tag, pending);
  }
  return pending;
}

/**
 * The image to run for a role. `auto` prefers what is already on the machine (the registry
 * image, then a locally built one), then pulls, then builds from the recipe.
 */
export async function resolveImage(
  docker: Dockerode,
  role: ImageRole,
  options: { given?: string; registryImage: string; recipe: LocalImageRecipe; source?: ImageSource; progress: BuildProgress },
): Promise<ResolvedImage> {
  const { progress, recipe } = options;
  if (options.given) {
    if (!(await imageExists(docker, options.given)) && !(await copyFromAnotherEngine(docker, options.given, progress))) {
      const pulled = await pullImage(docker, options.given, progress);
      if (!pulled.ok) throw new Error(`image ${options.given} is not on this machine and could not be pulled: ${pulled.reason}`);
    }
    return { name: options.given, origin: "given" };
  }
  const source = options.source ?? "auto";
  if (source !== "debian") {
    if (await imageExists(docker, options.registryImage)) return { name: options.registryImage, origin: "registry" };
    if (source === "auto" && (await imageExists(docker, recipe.tag()))) return { name: recipe.tag(), origin: "debian" };
    if (await copyFromAnotherEngine(docker, options.registryImage, progress)) return { name: options.registryImage, origin: "registry" };
    if (source === "auto" && (await copyFromAnotherEngine(docker, recipe.tag(), progress))) return { name: recipe.tag(), origin: "debian" };
    progress(`pulling ${options.registryImage} for ${role}`);
    const pulled = await pullImage(docker, options.registryImage, progress);
    if (pulled.ok) return { name: options.registryImage, origin: "registry" };
    if (source === "registry") throw new Error(`could not pull ${options.registryImage}: ${pulled.reason}`);
    const possible = recipe.canBuild();
    if (!possible.ok) {
      throw new Error(
        `could not pull ${options.registryImage} (${pulled.reason}), and cannot build a replacement here: ${possible.reason}. ` +
          "Pull the image where a registry is reachable (docker save/load), or run `gauntlet images build` as root on Debian/Ubuntu.",
      );
    }
    progress(`no registry reachable (${pulled.reason}); building ${recipe.tag()}: ${recipe.description} (a few minutes, once)`);
  }
  return { name: await ensureLocalImage(docker, recipe, progress), origin: "debian" };
}

export interface CachedImage {
  name: string;
  id: string;
  origin: "registry" | "debian";
  sizeBytes: number;
  created: string;
}

/** Images Gauntlet uses that are on this machine, and where each came from. */
export async function listCachedImages(docker: Dockerode, registryImages: string[]): Promise<CachedImage[]> {
  const all = await docker.listImages();
  const found: CachedImage[] = [];
  for (const image of all) {
    // Podman names images loaded without a registry localhost/NAME; Gauntlet names them NAME.
    for (const tag of (image.RepoTags ?? []).map((name) => name.replace(/^localhost\//, ""))) {
      const debian = image.Labels?.[LABEL_IMAGE_SOURCE] === "debian";
      // Also the same images from a mirror: REGISTRY/matrixdotorg/synapse, REGISTRY/library/postgres.
      const fromAnyRegistry = registryImages.some((name) => tag === name || tag.endsWith(`/${fromRegistry(name, "x").slice(2)}`));
      if (!debian && !fromAnyRegistry) continue;
      found.push({
        name: tag,
        id: image.Id.replace(/^sha256:/, "").slice(0, 12),
        origin: debian ? "debian" : "registry",
        sizeBytes: image.Size,
        created: image.Labels?.[LABEL_IMAGE_BUILT] ?? new Date(image.Created * 1000).toISOString(),
      });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
