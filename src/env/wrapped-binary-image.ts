import { createHash } from "node:crypto";
import { accessSync, constants, copyFileSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, createReadStream } from "node:fs";
import { join, resolve } from "node:path";
import type Dockerode from "dockerode";
import { debianBaseImage } from "./debian-image.ts";
import { buildFromDockerfile } from "./dockerfile-build.ts";
import { ensureLocalImage, type BuildProgress, type LocalImageRecipe } from "./images.ts";
import type { HomeserverProfile } from "./profiles/types.ts";
import { readRecipe, recipeFile, recipeHash, timedProgress } from "./recipes.ts";

/**
 * A server binary built on this machine (`--binary PATH`), wrapped into the Debian-built base
 * (docker/wrapped-binary) under the name its profile starts. Any profile with an `executable`
 * takes one: a developer's own Conduit, continuwuity, tuwunel or Dendrite build.
 */
const RECIPE = "wrapped-binary";
export const WRAPPED_IMAGE_REPO = "gauntlet/wrapped";
/** TLS in front of a one-listener server's federation port; in the image as `gauntlet-tls-forward`. */
const TLS_FORWARDER = "tls-forward.py";

/** Why a file cannot be wrapped for a profile, or undefined when it can. */
export function wrappableProblem(profile: HomeserverProfile, path: string): string | undefined {
  if (!profile.executable) return `${profile.displayName} is not one binary; --binary takes a server binary (Conduit, continuwuity, tuwunel, Dendrite)`;
  let size: number;
  try {
    const info = statSync(path);
    if (!info.isFile()) return `${path} is not a file`;
    size = info.size;
    accessSync(path, constants.X_OK);
  } catch (error) {
    return `${path} is not an executable file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  const magic = Buffer.alloc(4);
  const fd = openSync(path, "r");
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 4 || !magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
    return `${path} is not an ELF binary (a Linux build of ${profile.executable} is needed; the container runs Linux)`;
  }
  return undefined;
}

/** sha256 of the binary, ten hex digits: the image tag follows the build. */
async function binaryHash(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex").slice(0, 10);
}

/** The recipe of one binary's image; its tag names the profile, the binary's hash and the recipe's. */
export async function wrappedBinaryImage(profile: HomeserverProfile, binaryPath: string): Promise<LocalImageRecipe> {
  const path = resolve(binaryPath);
  const problem = wrappableProblem(profile, path);
  if (problem) throw new Error(`--binary ${binaryPath}: ${problem}`);
  const executable = profile.executable!;
  const tag = `${WRAPPED_IMAGE_REPO}-${profile.name}:${await binaryHash(path)}-${recipeHash(readRecipe(RECIPE, "Dockerfile"), readRecipe(RECIPE, TLS_FORWARDER), debianBaseImage.tag())}`;
  return {
    description: `${path} as ${executable} on the Debian-built base`,
    tag: () => tag,
    canBuild: () => ({ ok: true }),
    build: async (docker: Dockerode, progress: BuildProgress) => {
      const base = await ensureLocalImage(docker, debianBaseImage, progress);
      const context = mkdtempSync("/var/tmp/gauntlet-wrapped-");
      try {
        copyFileSync(path, join(context, "server"));
        copyFileSync(recipeFile(RECIPE, TLS_FORWARDER), join(context, TLS_FORWARDER));
        return await buildFromDockerfile(docker, {
          recipe: RECIPE,
          context,
          files: ["server", TLS_FORWARDER],
          tag,
          buildArgs: { BASE: base, EXECUTABLE: executable },
          progress: timedProgress(progress),
        });
      } finally {
        rmSync(context, { recursive: true, force: true });
      }
    },
  };
}
