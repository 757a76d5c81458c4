import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connectEngine } from "../../../src/env/engine.ts";
import { startEnvironment } from "../../../src/env/environment.ts";
import { provisionUser } from "../../../src/env/homeserver.ts";
import { fromRegistry, POSTGRES_REGISTRY_IMAGE, resolveImage } from "../../../src/env/images.ts";
import { debianImageTag } from "../../../src/env/debian-image.ts";
import { allocateFreePort } from "../../../src/env/ports.ts";
import { synapseProfile } from "../../../src/env/profiles/synapse.ts";

// The registry path, for machines that can pull: a real registry (Debian's docker-registry) on
// loopback serves the images, and the environment pulls them instead of building.
describe("images from a registry", () => {
  let registry: ChildProcess;
  let address = "";
  let dir = "";
  const pushed: string[] = [];

  beforeAll(async () => {
    const binary = spawnSync("sh", ["-c", "command -v docker-registry"], { encoding: "utf8" }).stdout.trim();
    if (!binary) throw new Error("this test needs a container registry binary: apt-get install docker-registry (.ci/run installs it)");
    const { docker } = await connectEngine();
    // Something to push: whatever homeserver image `auto` gives on this machine.
    const source = await resolveImage(docker, "homeserver", { registryImage: synapseProfile.registryImage(), recipe: synapseProfile.localImage(), progress: () => {} });
    dir = mkdtempSync(join(tmpdir(), "gauntlet-registry-"));
    address = `127.0.0.1:${await allocateFreePort()}`;
    writeFileSync(
      join(dir, "config.yml"),
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: ${address}\nlog:\n  level: error\n`,
    );
    registry = spawn(binary, ["serve", join(dir, "config.yml")], { stdio: "ignore" });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const ok = await fetch(`http://${address}/v2/`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const name of [fromRegistry(synapseProfile.registryImage(), address), fromRegistry(POSTGRES_REGISTRY_IMAGE, address)]) {
      const [repo, tag] = [name.slice(0, name.lastIndexOf(":")), name.slice(name.lastIndexOf(":") + 1)];
      await docker.getImage(source.name).tag({ repo, tag });
      pushed.push(name); // removed in afterAll even when the push below fails
      // The engine wants an X-Registry-Auth header even for a registry without auth.
      const stream = await docker.getImage(name).push({ authconfig: { serveraddress: address } } as never);
      await new Promise<void>((resolve, reject) =>
        docker.modem.followProgress(stream as unknown as NodeJS.ReadableStream, (error: Error | null) => (error ? reject(error) : resolve())),
      );
      // Only the registry has it now: the environment must pull it.
      await docker.getImage(name).remove();
    }
  }, 600_000);

  afterAll(async () => {
    const { docker } = await connectEngine();
    for (const name of pushed) await docker.getImage(name).remove().catch(() => {});
    registry?.kill("SIGTERM");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("env up pulls the homeserver and PostgreSQL images from the registry it is given", async () => {
    const messages: string[] = [];
    const env = await startEnvironment({ database: "postgres", registry: address, imageSource: "registry", progress: (m) => messages.push(m) });
    try {
      expect(env.homeserver().image).toEqual({ name: `${address}/matrixdotorg/synapse:latest`, origin: "registry" });
      expect(env.state.postgres?.image).toEqual({ name: `${address}/library/postgres:18`, origin: "registry" });
      expect(messages.join("\n")).toContain(`pulling ${address}/matrixdotorg/synapse:latest`);
      expect(env.homeserver().image.name).not.toBe(debianImageTag());
      const user = await provisionUser(env.homeserver(), { localpart: "from-registry", password: "pw-from-registry" });
      expect(user.userId).toBe(`@from-registry:${env.homeserver().serverName}`);
    } finally {
      await env.stop();
    }
  });

  test("with --image-source registry, an unreachable registry is an error that names the image", async () => {
    const closed = `127.0.0.1:${await allocateFreePort()}`;
    const error = await startEnvironment({ database: "sqlite", registry: closed, imageSource: "registry" }).catch((e: unknown) => e);
    expect((error as Error).message).toContain(`could not pull ${closed}/matrixdotorg/synapse:latest`);
  });
});
