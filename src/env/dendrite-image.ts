import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import type Dockerode from "dockerode";
import { debianBaseImage } from "./debian-image.ts";
import { ensureLocalImage, type BuildProgress, type LocalImageRecipe } from "./images.ts";
import { buildFromDockerfile } from "./dockerfile-build.ts";
import { readRecipe, recipeFile, recipeHash, recipeVariable, runBuildStep, timedProgress } from "./recipes.ts";

/**
 * Dendrite built here (docker/dendrite): `go install` of its commands from the Go module proxy,
 * placed into an image derived from the Debian-built base.
 */
const RECIPE = "dendrite";
export const DENDRITE_IMAGE_REPO = "gauntlet/dendrite";

export function dendriteVersion(): string {
  return recipeVariable(readRecipe(RECIPE, "build-binaries.sh"), "VERSION");
}

export function dendriteImageTag(): string {
  const hash = recipeHash(readRecipe(RECIPE, "build-binaries.sh"), readRecipe(RECIPE, "Dockerfile"), debianBaseImage.tag());
  return `${DENDRITE_IMAGE_REPO}:${dendriteVersion()}-${hash}`;
}

function goAvailable(): boolean {
  return spawnSync("sh", ["-c", "command -v go || test -x /usr/local/go/bin/go"], { stdio: "ignore" }).status === 0;
}

export function canBuildDendriteImage(): { ok: boolean; reason?: string } {
  if (process.platform !== "linux") return { ok: false, reason: "building the Dendrite image needs Linux" };
  if (!goAvailable()) return { ok: false, reason: "Go is not installed (neither on PATH nor at /usr/local/go/bin/go); Dendrite is built with `go install`" };
  if (spawnSync("sh", ["-c", "command -v gcc"], { stdio: "ignore" }).status !== 0) {
    return { ok: false, reason: "gcc is not installed: Dendrite's SQLite driver needs CGO (apt-get install gcc)" };
  }
  return { ok: true };
}

/** Compiling prints nothing for minutes: say every 20 s that it still runs, and what Go fetched. */
function goProgress(step: BuildProgress): { onLine: BuildProgress; stop: () => void } {
  let downloaded = 0;
  const started = Date.now();
  const timer = setInterval(() => step(`compiling (${downloaded} modules fetched, ${Math.round((Date.now() - started) / 1000)} s)`), 20_000);
  return {
    onLine: (line) => {
      if (line.startsWith("==> ")) step(line.slice(4));
      else if (line.startsWith("go: downloading ")) downloaded++;
    },
    stop: () => clearInterval(timer),
  };
}

async function buildDendriteImage(docker: Dockerode, progress: BuildProgress): Promise<string> {
  const possible = canBuildDendriteImage();
  if (!possible.ok) throw new Error(possible.reason);
  const tag = dendriteImageTag();
  const base = await ensureLocalImage(docker, debianBaseImage, progress);
  const step = timedProgress(progress);
  const context = mkdtempSync("/var/tmp/gauntlet-dendrite-");
  try {
    const go = goProgress(step);
    try {
      await runBuildStep("sh", [recipeFile(RECIPE, "build-binaries.sh"), context], go.onLine);
    } finally {
      go.stop();
    }
    return await buildFromDockerfile(docker, {
      recipe: RECIPE,
      context,
      files: ["dendrite", "generate-keys", "create-account"],
      tag,
      buildArgs: { BASE: base },
      progress: step,
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

export const dendriteImage: LocalImageRecipe = {
  description: `Dendrite ${dendriteVersion()} built with go install, on the Debian-built base`,
  tag: dendriteImageTag,
  canBuild: canBuildDendriteImage,
  build: buildDendriteImage,
};
