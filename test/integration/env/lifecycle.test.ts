import { statSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Environment } from "../../../src/env/environment.ts";
import { provisionUser } from "../../../src/env/homeserver.ts";
import { runStatePath } from "../../../src/env/state.ts";
import { runCli } from "./cli.ts";
import { leftovers, nothingLeft, volumeCount } from "./leftovers.ts";
import { isMessage, timelineHas } from "../../../src/client/sync.ts";
import { clientFor } from "./matrix.ts";

describe.each(["sqlite", "postgres"])("gauntlet env up/down with %s", (db) => {
  test("two users exchange a message, and env down leaves nothing behind", async () => {
    const volumesBefore = await volumeCount();
    const up = await runCli(["env", "up", "--db", db, "--json"]);
    expect(up.code, up.stderr).toBe(0);
    const view = JSON.parse(up.stdout) as { runId: string; database: string; homeservers: { baseUrl: string; serverName: string; database: { kind: string } }[] };
    expect(view.database).toBe(db);
    expect(view.homeservers).toHaveLength(1);
    expect(view.homeservers[0]?.database.kind).toBe(db);

    const env = Environment.load(view.runId);
    const hs = env.homeserver("hs1");
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

    const suffix = Math.random().toString(36).slice(2, 8);
    const alice = clientFor(hs.baseUrl, await provisionUser(hs, { localpart: `alice-${suffix}`, password: `pw-${suffix}` }));
    const bob = clientFor(hs.baseUrl, await provisionUser(hs, { localpart: `bob-${suffix}`, password: `pw-${suffix}` }));
    expect(alice.userId).toBe(`@alice-${suffix}:${hs.serverName}`);
    const roomId = await alice.mustCreateRoom({ preset: "private_chat", invite: [bob.userId] });
    await bob.mustJoinRoom(roomId);
    await alice.mustSendMessage(roomId, `hello from ${db}`);
    await bob.syncUntil(timelineHas(roomId, isMessage(`hello from ${db}`)), { timeoutMs: 60_000 });

    const ports = [new URL(hs.baseUrl).port, hs.federationUrl.split(":").at(-1), env.state.postgres?.port].filter(Boolean).map(Number);
    const down = await runCli(["env", "down", view.runId]);
    expect(down.code, down.stderr).toBe(0);
    expect(await leftovers(view.runId, ports)).toEqual(nothingLeft);
    expect(await volumeCount()).toBe(volumesBefore);
  });
});
