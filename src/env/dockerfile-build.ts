import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type Dockerode from "dockerode";
import type { BuildProgress } from "./images.ts";
import { LABEL_IMAGE_BUILT, LABEL_IMAGE_RECIPE, LABEL_IMAGE_SOURCE } from "./labels.ts";
import { recipeFile } from "./recipes.ts";

export interface DockerfileBuild {
  /** The recipe folder in docker/ whose Dockerfile is built. */
  recipe: string;
  /** A directory holding the files the Dockerfile copies (default: an empty one). */
  context?: string;
  files: string[];
  tag: string;
  buildArgs: Record<string, string>;
  progress: BuildProgress;
}

/**
 * `docker build` of a recipe's Dockerfile with the engine's own builder; host networking, as
 * the engine may have no bridge. Steps are reported as the builder starts them.
 */
export async function buildFromDockerfile(docker: Dockerode, build: DockerfileBuild): Promise<string> {
  const context = build.context ?? mkdtempSync("/var/tmp/gauntlet-context-");
  try {
    copyFileSync(recipeFile(build.recipe, "Dockerfile"), join(context, "Dockerfile"));
    build.progress(`docker build ${build.tag} (docker/${build.recipe}/Dockerfile)`);
    const stream = await docker.buildImage(
      { context, src: ["Dockerfile", ...build.files] },
      {
        t: build.tag,
        buildargs: build.buildArgs,
        networkmode: "host",
        labels: { [LABEL_IMAGE_SOURCE]: "debian", [LABEL_IMAGE_RECIPE]: `docker/${build.recipe}`, [LABEL_IMAGE_BUILT]: new Date().toISOString() },
      },
    );
    const tail: string[] = [];
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (error, events: { error?: string }[] | undefined) => {
          const failed = error?.message ?? events?.find((event) => event.error)?.error;
          if (failed) reject(new Error(`docker build of ${build.tag} failed: ${failed}\nLast lines of the build:\n${tail.join("\n")}`));
          else resolve();
        },
        (event: { stream?: string }) => {
          for (const line of (event.stream ?? "").split("\n").map((l) => l.trimEnd()).filter(Boolean)) {
            tail.push(line);
            if (tail.length > 30) tail.shift();
            if (/^Step \d+\/\d+ : /.test(line)) build.progress(line.length > 160 ? `${line.slice(0, 160)}…` : line);
          }
        },
      );
    });
    build.progress(`built ${build.tag}`);
    return build.tag;
  } finally {
    if (!build.context) rmSync(context, { recursive: true, force: true });
  }
}
