import type Dockerode from "dockerode";
import { debianBaseImage, canBuildDebianImage } from "./debian-image.ts";
import { ensureLocalImage, type BuildProgress, type LocalImageRecipe } from "./images.ts";
import { buildFromDockerfile } from "./dockerfile-build.ts";
import { readRecipe, recipeHash } from "./recipes.ts";

/** Synapse releases as PyPI names them: 1.163.2, 1.164.0rc1. */
const SYNAPSE_VERSION = /^\d+\.\d+\.\d+(rc\d+)?$/;

export function checkSynapseVersion(version: string): void {
  if (!SYNAPSE_VERSION.test(version)) {
    throw new Error(`Synapse version ${JSON.stringify(version)}: expected a release as PyPI's matrix-synapse names it, e.g. 1.163.2`);
  }
}

/** Synapse at a release from PyPI (docker/synapse), in a virtualenv on the Debian-built base. */
export function synapseReleaseImage(version: string): LocalImageRecipe {
  checkSynapseVersion(version);
  const tag = () => `gauntlet/synapse:${version}-${recipeHash(readRecipe("synapse", "Dockerfile"), debianBaseImage.tag())}`;
  return {
    description: `Synapse ${version} from PyPI in a virtualenv, on the Debian-built base`,
    tag,
    canBuild: canBuildDebianImage,
    build: async (docker: Dockerode, progress: BuildProgress) => {
      const base = await ensureLocalImage(docker, debianBaseImage, progress);
      return buildFromDockerfile(docker, { recipe: "synapse", files: [], tag: tag(), buildArgs: { BASE: base, SYNAPSE_VERSION: version }, progress });
    },
  };
}
