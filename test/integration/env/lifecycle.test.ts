import { statSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Environment } from "../../../src/env/environment.ts";
import { runStatePath } from "../../../src/env/state.ts";
import { execInContainer } from "../../../src/env/container.ts";
import { connectEngine } from "../../../src/env/engine.ts";
import { getProfile } from "../../../src/env/profiles/index.ts";
import { pendingBackgroundUpdates, userDirectoryPosition } from "../../../src/env/profiles/synapse-background-updates.ts";
import { SYNAPSE_DIR } from "../../../src/env/profiles/synapse.ts";
import { runCli } from "./cli.ts";
import { leftovers, nothingLeft, volumeCount } from "./leftovers.ts";
import { exchangeMessage } from "./matrix.ts";

describe.each(["sqlite", "postgres"])("gauntlet env up/down with %s", (db) => {
  test("no background update is pending once env up returns, two users exchange a message, the user directory catches up with it, and env down leaves nothing behind", async () => {
    const volumesBefore = await volumeCount();
    const up = await runCli(["env", "up", "--db", db, "--json"]);
    expect(up.code, up.stderr).toBe(0);
    const view = JSON.parse(up.stdout) as { runId: string; database: string; homeservers: { baseUrl: string; serverName: string; database: { kind: string } }[] };
    expect(view.database).toBe(db);
    expect(view.homeservers).toHaveLength(1);
    expect(view.homeservers[0]?.database.kind).toBe(db);

    const env = Environment.load(view.runId);
    const hs = env.homeserver("hs1");
    // Synapse's background updates on its new database are done before the first test runs.
    const { docker } = await connectEngine();
    const inContainer = (command: string[]): Promise<string> => execInContainer(docker, hs.containerId, command);
    expect(await pendingBackgroundUpdates(inContainer, `${SYNAPSE_DIR}/homeserver.yaml`)).toBe(0);
    // Credentials live in the state file, readable by its owner only, and nowhere in the output.
    expect(statSync(runStatePath(view.runId)).mode & 0o777).toBe(0o600);
    expect(up.stdout + up.stderr).not.toContain(hs.admin.accessToken);
    expect(up.stdout + up.stderr).not.toContain(env.state.homeservers[0]!.registrationSharedSecret);
    // The harness's application service and mail sink are registered; their ports show, their tokens do not.
    const record = env.state.homeservers[0]!;
    expect(record.appservice?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(record.mail?.smtpPort).toBeGreaterThan(0);
    expect(up.stdout).toContain(record.appservice!.url);
    expect(up.stdout).toContain(`127.0.0.1:${record.mail!.smtpPort}`);
    for (const token of [record.appservice!.as_token, record.appservice!.hs_token]) expect(up.stdout + up.stderr).not.toContain(token);

    // Two provisioned users, a private room, and a message that reaches the other through /sync.
    const { alice } = await exchangeMessage(hs, `hello from ${db}`);
    expect(alice.userId).toMatch(new RegExp(`^@alice-[a-z0-9]+:${hs.serverName}$`));
    // The profile's catch-up returns once the user directory has processed the newest event.
    const before = await userDirectoryPosition(inContainer, `${SYNAPSE_DIR}/homeserver.yaml`);
    expect(before.events).toBeGreaterThan(0);
    await getProfile("synapse").catchUp!({ docker, containerId: hs.containerId, deadlineMs: 60_000 });
    expect((await userDirectoryPosition(inContainer, `${SYNAPSE_DIR}/homeserver.yaml`)).directory).toBeGreaterThanOrEqual(before.events);

    const ports = [new URL(hs.baseUrl).port, hs.federationUrl.split(":").at(-1), env.state.postgres?.port].filter(Boolean).map(Number);
    const down = await runCli(["env", "down", view.runId]);
    expect(down.code, down.stderr).toBe(0);
    expect(await leftovers(view.runId, ports)).toEqual(nothingLeft);
    expect(await volumeCount()).toBe(volumesBefore);
  });
});
