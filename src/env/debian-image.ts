import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type Dockerode from "dockerode";
import type { BuildProgress, LocalImageRecipe } from "./images.ts";
import { LABEL_IMAGE_BUILT, LABEL_IMAGE_RECIPE, LABEL_IMAGE_SOURCE } from "./labels.ts";
import { readRecipe, recipeFile, recipeVariable, runBuildStep, timedProgress } from "./recipes.ts";

/**
 * The Debian-built base image (docker/matrix-debian): a Debian sid root filesystem from the
 * machine's Debian mirror with Synapse and PostgreSQL, imported as an image. It serves Synapse,
 * PostgreSQL, and is the base of the other locally built images.
 */
const RECIPE = "matrix-debian";
export const DEBIAN_IMAGE_REPO = "gauntlet/matrix-debian";

/** The suite and packages the recipe script installs: what the image is named after. */
export function debianRecipe(): { suite: string; packages: string[] } {
  const script = readRecipe(RECIPE, "build-rootfs.sh");
  return { suite: recipeVariable(script, "SUITE"), packages: recipeVariable(script, "PACKAGES").split(/\s+/).filter(Boolean) };
}

export function debianImageTag(): string {
  const recipe = debianRecipe();
  // The hash of {suite, packages} as JSON: images built before the recipe moved to docker/ keep their name.
  const hash = createHashOf(JSON.stringify(recipe));
  return `${DEBIAN_IMAGE_REPO}:${recipe.suite}-${hash}`;
}

function createHashOf(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 10);
}

/** The Debian mirror the machine's apt already uses (air-gapped machines have a local one). */
export function debianMirror(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GAUNTLET_DEBIAN_MIRROR) return env.GAUNTLET_DEBIAN_MIRROR;
  const files: string[] = [];
  if (existsSync("/etc/apt/sources.list")) files.push("/etc/apt/sources.list");
  if (existsSync("/etc/apt/sources.list.d")) {
    for (const name of readdirSync("/etc/apt/sources.list.d")) files.push(join("/etc/apt/sources.list.d", name));
  }
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const uris = [...text.matchAll(/^\s*(?:URIs:\s*(\S+)|deb\s+(?:\[[^\]]*\]\s+)?(\S+))/gm)].map((m) => m[1] ?? m[2] ?? "");
    const main = uris.find((uri) => /^https?:\/\//.test(uri) && !/security/.test(uri));
    if (main) return main;
  }
  return "http://deb.debian.org/debian";
}

export function canBuildDebianImage(): { ok: boolean; reason?: string } {
  if (process.platform !== "linux") return { ok: false, reason: "building images from Debian packages needs Linux" };
  if (process.getuid?.() !== 0) return { ok: false, reason: "building images from Debian packages needs root (debootstrap, chroot)" };
  const debootstrap = ["/usr/sbin/debootstrap", "/usr/bin/debootstrap"].some(existsSync);
  if (!debootstrap) return { ok: false, reason: "debootstrap is not installed (`apt-get install debootstrap`, or `gauntlet setup`)" };
  return { ok: true };
}

/** The lines of the recipe script worth showing: its own steps, and milestones of debootstrap and apt. */
function rootfsProgress(step: BuildProgress): BuildProgress {
  let unpacked = 0;
  return (line) => {
    if (line.startsWith("==> ")) step(line.slice(4));
    else if (/^I: (Retrieving (InRelease|Packages)|Installing|Configuring) /.test(line) && !/^I: Configuring [a-z]/.test(line)) step(line.slice(3));
    else if (/^Unpacking /.test(line) && ++unpacked % 25 === 0) step(`unpacked ${unpacked} packages`);
    else if (/^Setting up (matrix-synapse|postgresql-\d+) /.test(line)) step(line);
  };
}

/** Runs the recipe script into a fresh root, imports the root as the image; returns its tag. */
export async function buildDebianImage(docker: Dockerode, progress: BuildProgress): Promise<string> {
  const possible = canBuildDebianImage();
  if (!possible.ok) throw new Error(possible.reason);
  const tag = debianImageTag();
  const root = mkdtempSync("/var/tmp/gauntlet-rootfs-");
  const step = timedProgress(progress);
  try {
    await runBuildStep("sh", [recipeFile(RECIPE, "build-rootfs.sh"), root, debianMirror()], rootfsProgress(step));
    step(`importing the root filesystem as ${tag}`);
    const tar = spawn("tar", ["-C", root, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
    const [repo, version] = tag.split(":") as [string, string];
    const stream = await docker.importImage(tar.stdout as unknown as string, {
      repo,
      tag: version,
      changes: [
        `LABEL ${LABEL_IMAGE_SOURCE}=debian`,
        `LABEL ${LABEL_IMAGE_RECIPE}=${JSON.stringify(debianRecipe()).replaceAll(" ", "")}`,
        `LABEL ${LABEL_IMAGE_BUILT}=${new Date().toISOString()}`,
        "ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        'CMD ["/bin/bash"]',
      ],
    } as never);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream as unknown as NodeJS.ReadableStream, (error) => (error ? reject(error) : resolve()));
    });
    step(`built ${tag}`);
    return tag;
  } finally {
    // The script unmounts proc itself; a killed script may not have: never delete through a mount.
    await runBuildStep("umount", ["-l", join(root, "proc")], () => {}).catch(() => {});
    rmSync(root, { recursive: true, force: true });
  }
}

export const debianBaseImage: LocalImageRecipe = {
  description: "Synapse and PostgreSQL from Debian packages",
  tag: debianImageTag,
  canBuild: canBuildDebianImage,
  build: buildDebianImage,
};
