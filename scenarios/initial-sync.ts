// Initial /sync time and response size for users in 10, 100 and 500 rooms (seeded in setup()).
import { check } from "k6";
import exec from "k6/execution";
import { Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { mustCreateRoom, mustRegister, sync, type MatrixUser } from "./lib/matrix.ts";
import { numberListParameter, numberParameter, runLabel } from "./lib/parameters.ts";

const roomCounts = numberListParameter("GAUNTLET_ROOM_COUNTS", [10, 100, 500]);
const syncsPerSize = numberParameter("GAUNTLET_ITERATIONS", 5);

// One trend per room count, declared at the top level as k6 requires.
const syncDuration = Object.fromEntries(roomCounts.map((n) => [n, new Trend(`initial_sync_duration_${n}_rooms`, true)]));
const syncBytes = Object.fromEntries(roomCounts.map((n) => [n, new Trend(`initial_sync_bytes_${n}_rooms`)]));

export const options: Options = {
  setupTimeout: "30m",
  scenarios: {
    initial_sync: { executor: "shared-iterations", vus: 1, iterations: roomCounts.length * syncsPerSize, maxDuration: "30m" },
  },
};

interface Seed {
  users: { rooms: number; user: MatrixUser }[];
}

export async function setup(): Promise<Seed> {
  const label = runLabel("initial");
  const users: Seed["users"] = [];
  for (const rooms of roomCounts) {
    const user = await mustRegister(`${label}-${rooms}`, `pw-${label}-${rooms}`);
    for (let created = 0; created < rooms; created += 10) {
      const batch: Promise<string>[] = [];
      for (let i = created; i < Math.min(rooms, created + 10); i++) batch.push(mustCreateRoom(user, { visibility: "private", name: `room ${i}` }));
      await Promise.all(batch);
    }
    users.push({ rooms, user });
  }
  return { users };
}

export default async function (seed: Seed): Promise<void> {
  const { rooms, user } = seed.users[exec.scenario.iterationInTest % seed.users.length]!;
  const { response, timelines } = await sync(user, undefined, 0);
  syncDuration[rooms]!.add(response.timings.duration);
  syncBytes[rooms]!.add(typeof response.body === "string" ? response.body.length : 0);
  check(timelines, { "every room is in the initial sync": (t) => Object.keys(t).length === rooms });
}
