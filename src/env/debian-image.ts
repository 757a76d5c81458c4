import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { LABEL_IMAGE_BUILT, LABEL_IMAGE_RECIPE, LABEL_IMAGE_SOURCE } from "./labels.ts";

/**
 * Builds a homeserver image without any container registry: a Debian sid root filesystem from
 * the machine's Debian mirror (sid is where `matrix-synapse` is packaged), imported as an image.
 * One image serves both roles: it holds Synapse and PostgreSQL.
 */
export const debianRecipe = {
  suite: "sid",
  packages: ["matrix-synapse", "python3-psycopg2", "postgresql", "curl", "ca-certificates"],
};

export const DEBIAN_IMAGE_REPO = "gauntlet/matrix-debian";

export function debianImageTag(): string {
  const hash = createHash("sha256").update(JSON.stringify(debianRecipe)).digest("hex").slice(0, 10);
  return `${DEBIAN_IMAGE_REPO}:${debianRecipe.suite}-${hash}`;
}

export type BuildProgress = (line: string) => void;

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

function run(command: string, args: string[], onLine: BuildProgress, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
    const tail: string[] = [];
    const take = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (error) => reject(new Error(`could not run ${command}: ${error.message}`)));
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.slice(0, 3).join(" ")} … exited with ${code}; last lines:\n${tail.join("\n")}`)),
    );
  });
}

export function canBuildDebianImage(): { ok: boolean; reason?: string } {
  if (process.platform !== "linux") return { ok: false, reason: "building images from Debian packages needs Linux" };
  if (process.getuid?.() !== 0) return { ok: false, reason: "building images from Debian packages needs root (debootstrap, chroot)" };
  const debootstrap = ["/usr/sbin/debootstrap", "/usr/bin/debootstrap"].some(existsSync);
  if (!debootstrap) return { ok: false, reason: "debootstrap is not installed (`apt-get install debootstrap`, or `gauntlet setup`)" };
  return { ok: true };
}

/** Builds and imports the image; returns its tag. Steps are reported through `progress`. */
export async function buildDebianImage(docker: Dockerode, progress: BuildProgress): Promise<string> {
  const possible = canBuildDebianImage();
  if (!possible.ok) throw new Error(possible.reason);
  const tag = debianImageTag();
  const mirror = debianMirror();
  const root = mkdtempSync("/var/tmp/gauntlet-rootfs-");
  const started = Date.now();
  const step = (text: string) => progress(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${text}`);
  let procMounted = false;
  try {
    step(`debootstrap ${debianRecipe.suite} from ${mirror}`);
    await run("debootstrap", ["--variant=minbase", debianRecipe.suite, root, mirror], (line) => {
      if (/^I: (Retrieving (InRelease|Packages)|Installing|Configuring) /.test(line) && !/^I: Configuring [a-z]/.test(line)) {
        step(line.slice(3));
      }
    });
    // No services may start inside the build root, and no default PostgreSQL cluster is wanted.
    writeFileSync(join(root, "usr/sbin/policy-rc.d"), "#!/bin/sh\nexit 101\n", { mode: 0o755 });
    mkdirSync(join(root, "etc/postgresql-common"), { recursive: true });
    writeFileSync(join(root, "etc/postgresql-common/createcluster.conf"), "create_main_cluster = false\n");
    if (existsSync("/etc/resolv.conf")) writeFileSync(join(root, "etc/resolv.conf"), readFileSync("/etc/resolv.conf"));
    await run("mount", ["-t", "proc", "proc", join(root, "proc")], () => {});
    procMounted = true;
    const chrootEnv = { ...process.env, DEBIAN_FRONTEND: "noninteractive", LC_ALL: "C.UTF-8" };
    step("apt-get update (sid's Release file may be past Valid-Until on mirrors)");
    await run("chroot", [root, "apt-get", "-q", "-o", "Acquire::Check-Valid-Until=false", "update"], () => {}, chrootEnv);
    step(`apt-get install ${debianRecipe.packages.join(" ")}`);
    let unpacked = 0;
    await run(
      "chroot",
      [root, "apt-get", "install", "-y", "-q", "--no-install-recommends", ...debianRecipe.packages],
      (line) => {
        if (/^Unpacking /.test(line) && ++unpacked % 25 === 0) step(`unpacked ${unpacked} packages`);
        if (/^Setting up (matrix-synapse|postgresql-\d+) /.test(line)) step(line);
      },
      chrootEnv,
    );
    await run("chroot", [root, "apt-get", "clean"], () => {}, chrootEnv);
    await run("umount", [join(root, "proc")], () => {});
    procMounted = false;
    rmSync(join(root, "var/lib/apt/lists"), { recursive: true, force: true });
    rmSync(join(root, "usr/sbin/policy-rc.d"), { force: true });
    step(`importing the root filesystem as ${tag}`);
    const tar = spawn("tar", ["-C", root, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
    const [repo, version] = tag.split(":") as [string, string];
    const stream = await docker.importImage(tar.stdout as unknown as string, {
      repo,
      tag: version,
      changes: [
        `LABEL ${LABEL_IMAGE_SOURCE}=debian`,
        `LABEL ${LABEL_IMAGE_RECIPE}=${JSON.stringify(debianRecipe).replaceAll(" ", "")}`,
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
    if (procMounted) await run("umount", ["-l", join(root, "proc")], () => {}).catch(() => {});
    rmSync(root, { recursive: true, force: true });
  }
}
