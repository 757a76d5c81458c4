import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Environment, startEnvironment } from "../../../src/env/environment.ts";
import { provisionUser } from "../../../src/env/homeserver.ts";
import { isMessage, timelineHas } from "../../../src/client/sync.ts";
import { clientFor } from "./matrix.ts";

describe("two homeservers federate over TLS with the run CA", () => {
  let env: Environment;
  beforeAll(async () => {
    env = await startEnvironment({ database: "postgres", servers: 2 });
  });
  afterAll(async () => {
    await env?.stop();
  });

  test("a user on hs1 joins a room on hs2 and receives a message sent there", async () => {
    const hs1 = env.homeserver("hs1");
    const hs2 = env.homeserver("hs2");
    expect(hs1.serverName).not.toBe(hs2.serverName);
    const suffix = Math.random().toString(36).slice(2, 8);
    const remote = clientFor(hs2.baseUrl, await provisionUser(hs2, { localpart: `carol-${suffix}`, password: `pw-${suffix}` }));
    const local = clientFor(hs1.baseUrl, await provisionUser(hs1, { localpart: `dave-${suffix}`, password: `pw-${suffix}` }));
    const roomId = await remote.mustCreateRoom({ preset: "public_chat" });
    // The join goes hs1 -> hs2 over federation: make_join, send_join, key fetch, all TLS-verified.
    expect(await local.mustJoinVia(roomId, hs2.serverName)).toBe(roomId);
    await remote.mustSendMessage(roomId, "across the federation");
    await local.syncUntil(timelineHas(roomId, isMessage("across the federation")), { timeoutMs: 60_000 });
  });
});
