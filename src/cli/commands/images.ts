import type { CommandModule } from "yargs";
import { connectEngine, EngineUnavailableError } from "../../env/engine.ts";
import { debianBaseImage } from "../../env/debian-image.ts";
import { fromRegistry, listCachedImages, POSTGRES_REGISTRY_IMAGE, resolveImage, type ImageSource } from "../../env/images.ts";
import { getProfile, profileNames } from "../../env/profiles/index.ts";
import { stderrProgress } from "../progress.ts";
import { UserError } from "../../errors/user-error.ts";

async function docker() {
  try {
    return (await connectEngine()).docker;
  } catch (error) {
    if (error instanceof EngineUnavailableError) throw new UserError(error.message);
    throw error;
  }
}

const build: CommandModule<object, { hs: string; hsVersion?: string; source: string; registry?: string }> = {
  command: "build",
  describe: "make the images a run needs available ahead of time (pull, or build from the recipes in docker/)",
  builder: (yargs) =>
    yargs
      .option("hs", { type: "string", choices: profileNames(), default: "synapse" })
      .option("hs-version", { type: "string", describe: "a release of the implementation instead of the default (Synapse: from PyPI)" })
      .option("source", { type: "string", choices: ["auto", "registry", "debian"], default: "auto" })
      .option("registry", { type: "string", default: process.env.GAUNTLET_REGISTRY, describe: "registry to pull from instead of Docker Hub" }),
  handler: async (argv) => {
    const engine = await docker();
    const progress = stderrProgress();
    const source = argv.source as ImageSource;
    const profile = getProfile(argv.hs);
    let recipe;
    try {
      recipe = profile.localImage(argv.hsVersion);
    } catch (error) {
      throw new UserError((error as Error).message, 2);
    }
    const homeserver = await resolveImage(engine, "homeserver", {
      registryImage: fromRegistry(profile.registryImage(argv.hsVersion), argv.registry),
      recipe,
      source,
      progress,
    });
    process.stdout.write(`homeserver: ${homeserver.name} (${homeserver.origin})\n`);
    if (homeserver.origin !== "debian") {
      const postgres = await resolveImage(engine, "postgres", {
        registryImage: fromRegistry(POSTGRES_REGISTRY_IMAGE, argv.registry),
        recipe: debianBaseImage,
        source,
        progress,
      });
      process.stdout.write(`postgres:   ${postgres.name} (${postgres.origin})\n`);
    } else {
      process.stdout.write(`postgres:   ${homeserver.name} (built on the Debian base, which carries PostgreSQL)\n`);
    }
  },
};

const list: CommandModule<object, { json: boolean }> = {
  command: "list",
  describe: "images on this machine that Gauntlet uses, and where each came from",
  builder: (yargs) => yargs.option("json", { type: "boolean", default: false }),
  handler: async (argv) => {
    const registryImages = [...profileNames().map((name) => getProfile(name).registryImage()), POSTGRES_REGISTRY_IMAGE];
    const images = await listCachedImages(await docker(), registryImages);
    if (argv.json) {
      process.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
      return;
    }
    if (images.length === 0) {
      process.stdout.write("no images yet; `gauntlet images build` makes them (or the first `env up`)\n");
      return;
    }
    for (const image of images) {
      process.stdout.write(
        `${image.name.padEnd(45)} ${image.id}  ${(image.sizeBytes / 2 ** 20).toFixed(0).padStart(5)} MiB  ` +
          `${image.origin === "debian" ? "built here on the Debian-built base" : "pulled from a registry"}, ${image.created}\n`,
      );
    }
  },
};

export const imagesCommand: CommandModule = {
  command: "images <command>",
  describe: "build and list the container images runs use",
  builder: (yargs) => yargs.command(build as unknown as CommandModule).command(list as unknown as CommandModule).demandCommand(1),
  handler: () => {},
};
