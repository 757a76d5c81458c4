import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
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

/** The CA bundle pip trusts on this machine: PyPI may sit behind a mirror or proxy with a private CA. */
function buildMachineRoots(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env.PIP_CERT, env.SSL_CERT_FILE, "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"];
  const found = candidates.find((file): file is string => Boolean(file) && existsSync(file!));
  if (!found) throw new Error(`no CA bundle for pip on this machine (looked at PIP_CERT, SSL_CERT_FILE and ${candidates.slice(2).join(", ")})`);
  return found;
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
      const context = mkdtempSync("/var/tmp/gauntlet-synapse-");
      try {
        copyFileSync(buildMachineRoots(), join(context, "build-ca.crt"));
        return await buildFromDockerfile(docker, { recipe: "synapse", context, files: ["build-ca.crt"], tag: tag(), buildArgs: { BASE: base, SYNAPSE_VERSION: version }, progress });
      } finally {
        rmSync(context, { recursive: true, force: true });
      }
    },
  };
}
