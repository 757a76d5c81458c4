import { describe, expect, test } from "vitest";
import { connectEngine } from "../../../src/env/engine.ts";
import { Environment } from "../../../src/env/environment.ts";
import { imageExists } from "../../../src/env/images.ts";
import { getProfile } from "../../../src/env/profiles/index.ts";
import { runCli } from "./cli.ts";
import { leftovers, nothingLeft } from "./leftovers.ts";
import { exchangeMessage } from "./matrix.ts";

/** What each server of the Conduit family runs from here: a binary named by GAUNTLET_<NAME>_BINARY, else its registry image if present. */
async function source(name: string): Promise<{ args: string[] } | { skip: string }> {
  const variable = `GAUNTLET_${name.toUpperCase()}_BINARY`;
  const binary = process.env[variable];
  if (binary) return { args: ["--binary", binary] };
  const image = getProfile(name).registryImage();
  if (await imageExists((await connectEngine()).docker, image)) return { args: [] };
  return { skip: `no ${name} to run: set ${variable} to a built server, or make ${image} present` };
}

const sources = await Promise.all(["conduit", "continuwuity", "tuwunel"].map(async (name) => ({ name, found: await source(name) })));

describe.each(sources)("gauntlet env up/down --hs $name", ({ name, found }) => {
  const reason = "skip" in found ? found.skip : "";
  test.skipIf("skip" in found)(`two users exchange a message through /sync, and env down leaves nothing behind${reason ? ` (skipped: ${reason})` : ""}`, async () => {
    const args = "args" in found ? found.args : [];
    const up = await runCli(["env", "up", "--hs", name, ...args, "--json"], { timeoutMs: 600_000 });
    expect(up.code, up.stderr).toBe(0);
    const view = JSON.parse(up.stdout) as { runId: string; profile: string };
    expect(view.profile).toBe(name);
    const env = Environment.load(view.runId);
    const hs = env.homeserver("hs1");
    expect(up.stdout + up.stderr).not.toContain(hs.registrationSharedSecret);
    expect(up.stdout + up.stderr).not.toContain(hs.admin.accessToken);
    // The server made its own signing key; the run records the ID it publishes.
    expect(hs.signingKeyId).toMatch(/^ed25519:\w+$/);

    const { alice } = await exchangeMessage(hs, `hello from ${name}`);
    expect(alice.userId).toMatch(new RegExp(`^@alice-[a-z0-9]+:${hs.serverName}$`));

    const ports = [new URL(hs.baseUrl).port, hs.federationUrl.split(":").at(-1)].map(Number);
    const down = await runCli(["env", "down", view.runId]);
    expect(down.code, down.stderr).toBe(0);
    expect(await leftovers(view.runId, ports)).toEqual(nothingLeft);
  });
});
