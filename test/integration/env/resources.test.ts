import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Environment, startEnvironment } from "../../../src/env/environment.ts";
import { provisionUser } from "../../../src/env/homeserver.ts";
import { ResourceSampler, databaseSizes } from "../../../src/env/resources.ts";

describe("resource sampling through the engine API", () => {
  let env: Environment;
  beforeAll(async () => {
    env = await startEnvironment({ database: "postgres" });
  });
  afterAll(async () => {
    await env?.stop();
  });

  test("sees the homeserver and PostgreSQL work while users register, and the database grow", async () => {
    const before = await databaseSizes(env.state);
    const sampler = await ResourceSampler.forRun(env.state, 200);
    await sampler.start();
    for (let i = 0; i < 15; i++) await provisionUser(env.homeserver(), { localpart: `load-${i}`, password: `pw-${i}` });
    const summary = await sampler.stop();
    const byRole = Object.fromEntries(summary.map((s) => [s.role, s]));
    expect(Object.keys(byRole).sort()).toEqual(["hs1", "postgres"]);
    expect(byRole.hs1!.samples).toBeGreaterThanOrEqual(2);
    expect(byRole.hs1!.cpuPercentMax).toBeGreaterThan(1);
    expect(byRole.postgres!.cpuPercentMax).toBeGreaterThan(0);
    // Synapse idles at ~110 MiB; anything far off means the reading is wrong.
    expect(byRole.hs1!.memoryBytesMax).toBeGreaterThan(30 * 2 ** 20);
    expect(byRole.hs1!.memoryBytesMax).toBeLessThan(4 * 2 ** 30);
    const after = await databaseSizes(env.state);
    expect(after.hs1).toBeGreaterThan(1_000_000);
    expect(after.hs1).toBeGreaterThanOrEqual(before.hs1!);
  });
});
