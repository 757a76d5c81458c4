import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Environment, startEnvironment } from "../../../src/env/environment.ts";
import { call, sendMessage, syncUntilMessage, type Session } from "./matrix.ts";

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
    const remote: Session = { baseUrl: hs2.baseUrl, user: await hs2.registerUser({ localpart: `carol-${suffix}`, password: `pw-${suffix}` }) };
    const local: Session = { baseUrl: hs1.baseUrl, user: await hs1.registerUser({ localpart: `dave-${suffix}`, password: `pw-${suffix}` }) };
    const { room_id: roomId } = await call<{ room_id: string }>(remote, "POST", "/_matrix/client/v3/createRoom", { preset: "public_chat" });
    // The join goes hs1 -> hs2 over federation: make_join, send_join, key fetch, all TLS-verified.
    const joined = await call<{ room_id: string }>(
      local,
      "POST",
      `/_matrix/client/v3/join/${encodeURIComponent(roomId)}?server_name=${encodeURIComponent(hs2.serverName)}`,
      {},
    );
    expect(joined.room_id).toBe(roomId);
    await sendMessage(remote, roomId, "across the federation");
    await syncUntilMessage(local, roomId, "across the federation");
  });
});
