import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessage, timelineHas } from "../../../src/client/sync.ts";
import { Environment, startEnvironment } from "../../../src/env/environment.ts";
import { provisionUser, type Homeserver } from "../../../src/env/homeserver.ts";
import { clientFor } from "./matrix.ts";

/** A user on `from` sends in a room `to` joined over federation; the message reaches `to`'s user. */
async function roundTrip(from: Homeserver, to: Homeserver): Promise<void> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const sender = clientFor(from.baseUrl, await provisionUser(from, { localpart: `sender-${suffix}`, password: `pw-${suffix}` }));
  const receiver = clientFor(to.baseUrl, await provisionUser(to, { localpart: `receiver-${suffix}`, password: `pw-${suffix}` }));
  const roomId = await receiver.mustCreateRoom({ preset: "public_chat" });
  expect(await sender.mustJoinVia(roomId, to.serverName)).toBe(roomId);
  const text = `from ${from.profile} to ${to.profile}`;
  await sender.mustSendMessage(roomId, text);
  await receiver.syncUntil(timelineHas(roomId, isMessage(text)), { timeoutMs: 60_000 });
}

describe("Synapse and Dendrite federate with each other over TLS from the run CA", () => {
  let env: Environment;
  beforeAll(async () => {
    env = await startEnvironment({ profile: "synapse", profile2: "dendrite", database: "postgres", servers: 2 });
  }, 900_000);
  afterAll(async () => {
    await env?.stop();
  });

  test("the run names the pair and each homeserver its own implementation and database", () => {
    expect(env.state.profile).toBe("synapse+dendrite");
    expect(env.homeservers.map((hs) => [hs.name, hs.profile, hs.database.name])).toEqual([
      ["hs1", "synapse", "synapse_hs1"],
      ["hs2", "dendrite", "dendrite_hs2"],
    ]);
  });

  test("a message sent on Synapse arrives on Dendrite", async () => {
    await roundTrip(env.homeserver("hs1"), env.homeserver("hs2"));
  });

  test("a message sent on Dendrite arrives on Synapse", async () => {
    await roundTrip(env.homeserver("hs2"), env.homeserver("hs1"));
  });
});
