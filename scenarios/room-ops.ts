// createRoom latency, and join latency by how many members the room already has.
import { check } from "k6";
import exec from "k6/execution";
import { Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { createRoom, joinRoom, mustRegisterMany, type MatrixUser } from "./lib/matrix.ts";
import { numberParameter, runLabel } from "./lib/parameters.ts";

const roomSize = numberParameter("GAUNTLET_ROOM_SIZE", 50);
const roomsToBuild = numberParameter("GAUNTLET_ITERATIONS", 3);
// Joins are grouped by the member count they join into.
const SIZE_BUCKETS = [1, 10, 50, 200] as const;

const createRoomDuration = new Trend("create_room_duration", true);
const joinDuration = Object.fromEntries(SIZE_BUCKETS.map((size) => [size, new Trend(`join_duration_${size}_plus_members`, true)]));

export const options: Options = {
  setupTimeout: "20m",
  scenarios: {
    room_ops: { executor: "per-vu-iterations", vus: 1, iterations: roomsToBuild, maxDuration: "30m" },
  },
};

interface Seed {
  creator: MatrixUser;
  joiners: MatrixUser[];
}

export async function setup(): Promise<Seed> {
  const [creator, ...joiners] = await mustRegisterMany(runLabel("rooms"), roomSize);
  return { creator: creator!, joiners };
}

export default async function (seed: Seed): Promise<void> {
  const created = await createRoom(seed.creator, { name: `room-ops ${exec.scenario.iterationInTest}` });
  createRoomDuration.add(created.response.timings.duration);
  if (!check(created.response, { "room created (200)": (r) => r.status === 200 }) || !created.roomId) return;
  let members = 1;
  for (const joiner of seed.joiners) {
    const response = await joinRoom(joiner, created.roomId);
    const bucket = [...SIZE_BUCKETS].reverse().find((size) => members >= size)!;
    joinDuration[bucket]!.add(response.timings.duration);
    if (check(response, { "joined (200)": (r) => r.status === 200 })) members++;
  }
}
