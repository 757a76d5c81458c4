import { afterAll, beforeAll, expect, test } from "vitest";
import { type Environment, startEnvironment } from "../../../src/env/environment.ts";
import { portDeployment, type PortOutcome } from "../../../src/port/port-deployment.ts";
import { describeDifferences } from "../../../src/port/read-equality.ts";

// A small seeded Synapse on SQLite, ported with synapse_port_db into PostgreSQL and started there.
let environment: Environment;
let outcome: PortOutcome;
beforeAll(async () => {
  environment = await startEnvironment({ database: "sqlite", servers: 1, harnessServices: false });
  outcome = await portDeployment(environment, { seed: { users: 2, rooms: 2, messagesPerRoom: 5 } });
}, 300_000);
afterAll(async () => {
  await environment?.stop();
});

test("every read of rooms, state, timelines, media, account data, devices and keys answers the same after the port to PostgreSQL", () => {
  // Two users: 8 reads each (joined rooms, profile, devices, two account data types, room account data, key counts, keys query); two rooms: state and timeline each; one upload per user.
  expect(outcome.before.size).toBe(2 * 8 + 2 * 2 + 2);
  expect(describeDifferences(outcome.differences)).toBe("");
  expect(outcome.postgresBaseUrl).not.toBe(outcome.sqliteBaseUrl);
});

test("the reads compared are successful answers with the seeded data, not errors on both sides", () => {
  for (const [read, answer] of outcome.after) expect(answer.status, read).toBe(200);
  const timeline = outcome.after.get(`${outcome.seeded.rooms[0]} timeline`)?.body as { chunk: { content: { body?: string } }[] };
  expect(timeline.chunk.filter((event) => event.content.body?.startsWith("message ")).length).toBe(5);
});
