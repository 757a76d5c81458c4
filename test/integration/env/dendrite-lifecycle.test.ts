import { describe, expect, test } from "vitest";
import { Environment } from "../../../src/env/environment.ts";
import { databaseSizes } from "../../../src/env/resources.ts";
import { runCli } from "./cli.ts";
import { leftovers, nothingLeft } from "./leftovers.ts";
import { exchangeMessage } from "./matrix.ts";

describe.each(["sqlite", "postgres"])("gauntlet env up/down --hs dendrite with %s", (db) => {
  test("two users exchange a message through /sync, the database has a measured size, and env down leaves nothing behind", async () => {
    const up = await runCli(["env", "up", "--hs", "dendrite", "--db", db, "--json"], { timeoutMs: 900_000 });
    expect(up.code, up.stderr).toBe(0);
    const view = JSON.parse(up.stdout) as { runId: string; profile: string; homeservers: { profile: string; database: { kind: string } }[] };
    expect(view.profile).toBe("dendrite");
    expect(view.homeservers.map((hs) => [hs.profile, hs.database.kind])).toEqual([["dendrite", db]]);

    const env = Environment.load(view.runId);
    const hs = env.homeserver("hs1");
    expect(up.stdout + up.stderr).not.toContain(hs.registrationSharedSecret);
    expect(up.stdout + up.stderr).not.toContain(hs.admin.accessToken);
    // Dendrite sends no email: only the application service is wired to it.
    expect(hs.appservice?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(hs.mail).toBeUndefined();

    // Two provisioned users, a private room, and a message that reaches the other through /sync.
    const { alice } = await exchangeMessage(hs, `hello from Dendrite on ${db}`);
    expect(alice.userId).toMatch(new RegExp(`^@alice-[a-z0-9]+:${hs.serverName}$`));

    // SQLite is one file per Dendrite component; their total (or PostgreSQL's database) is measured, never reported as empty.
    expect((await databaseSizes(env.state)).hs1).toBeGreaterThan(100_000);

    const ports = [new URL(hs.baseUrl).port, hs.federationUrl.split(":").at(-1), env.state.postgres?.port].filter(Boolean).map(Number);
    const down = await runCli(["env", "down", view.runId]);
    expect(down.code, down.stderr).toBe(0);
    expect(await leftovers(view.runId, ports)).toEqual(nothingLeft);
  });
});
