import type { Argv } from "yargs";
import { defaultNetworkMode, type EnvironmentOptions } from "../env/environment.ts";
import { getProfile, profileNames } from "../env/profiles/index.ts";
import { wrappableProblem } from "../env/wrapped-binary-image.ts";
import { UserError } from "../errors/user-error.ts";

/** The options every command that starts an environment accepts (`env up`, `run`, `load`, `bench`). */
export function withEnvironmentOptions<T>(yargs: Argv<T>) {
  return yargs
    .option("hs", { type: "string", choices: profileNames(), default: "synapse", describe: "homeserver implementation" })
    .option("hs2", {
      type: "string",
      choices: profileNames(),
      defaultDescription: "--hs",
      describe: "hs2's implementation; a different one makes a mixed pair (implies --servers 2)",
    })
    .option("db", { type: "string", choices: ["sqlite", "postgres"] as const, default: "sqlite", describe: "homeserver database" })
    .option("servers", { type: "number", choices: [1, 2], default: 1, describe: "2 starts hs1 and hs2, federating over TLS" })
    .option("image", { type: "string", describe: "image to run for --hs's implementation instead of the default" })
    .option("binary", {
      type: "string",
      describe: "a server binary you built (Conduit, continuwuity, tuwunel, Dendrite) to run as --hs, wrapped into the Debian-built base",
    })
    .option("hs-version", { type: "string", describe: "a release of --hs's implementation instead of the default (Synapse: any release on PyPI, built here when no registry answers)" })
    .option("image-source", {
      type: "string",
      choices: ["auto", "registry", "debian"] as const,
      default: "auto",
      describe: "where default images come from: auto = local, then registry pull, then a Debian build",
    })
    .option("registry", {
      type: "string",
      default: process.env.GAUNTLET_REGISTRY,
      defaultDescription: "$GAUNTLET_REGISTRY, else Docker Hub",
      describe: "registry (host[:port]) to pull matrixdotorg/synapse and postgres from",
    })
    .option("network", { type: "string", choices: ["host", "bridge"] as const, default: defaultNetworkMode(), describe: "container networking" })
    .option("room-version", { type: "string", describe: "default room version of the homeservers" })
    .option("health-timeout", { type: "number", default: 180, describe: "seconds a homeserver may take to become healthy" })
    .option("harness-services", {
      type: "boolean",
      default: true,
      describe: "register the harness's application service and mail sink with each homeserver (host network only; --no-harness-services leaves them out)",
    });
}

export interface EnvironmentArgs {
  hs: string;
  hs2?: string;
  db: string;
  servers: number;
  image?: string;
  binary?: string;
  hsVersion?: string;
  imageSource: string;
  registry?: string;
  network: string;
  roomVersion?: string;
  healthTimeout: number;
  harnessServices?: boolean;
}

export function environmentOptionsFrom(argv: EnvironmentArgs): EnvironmentOptions {
  if (argv.binary) {
    if (argv.image) throw new UserError("--binary and --image both say what --hs runs: give one of them", 2);
    const problem = wrappableProblem(getProfile(argv.hs), argv.binary);
    if (problem) throw new UserError(`--binary ${argv.binary}: ${problem}`, 2);
  }
  if (argv.hsVersion) {
    try {
      getProfile(argv.hs).localImage(argv.hsVersion);
    } catch (error) {
      throw new UserError(`--hs-version ${argv.hsVersion}: ${(error as Error).message}`, 2);
    }
  }
  return {
    profile: argv.hs,
    ...(argv.hs2 ? { profile2: argv.hs2 } : {}),
    database: argv.db as "sqlite" | "postgres",
    servers: argv.servers === 2 || argv.hs2 ? 2 : 1,
    ...(argv.image ? { image: argv.image } : {}),
    ...(argv.binary ? { binary: argv.binary } : {}),
    ...(argv.hsVersion ? { version: argv.hsVersion } : {}),
    imageSource: argv.imageSource as "auto" | "registry" | "debian",
    ...(argv.registry ? { registry: argv.registry } : {}),
    network: argv.network as "host" | "bridge",
    ...(argv.roomVersion ? { roomVersion: argv.roomVersion } : {}),
    healthTimeoutMs: argv.healthTimeout * 1000,
    // Only a refusal is passed on: by default the environment decides by its network mode.
    ...(argv.harnessServices === false ? { harnessServices: false } : {}),
  };
}

