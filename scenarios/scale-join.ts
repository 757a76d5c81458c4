// Joins into the seeded large room at an open arrival rate: each iteration one user of a pool
// joins (measured) and leaves again (not measured), so the room keeps its size.
import { check } from "k6";
import exec from "k6/execution";
import { Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { joinRoom, leaveRoom } from "./lib/matrix.ts";
import { arrivals, readWorkload } from "./lib/workload.ts";

const workload = readWorkload();
const joinDuration = new Trend("scale_join", true);

export const options: Options = { scenarios: { join: arrivals("joinLargeRoom") } };

export async function joinLargeRoom(): Promise<void> {
  const user = workload.joiners[exec.scenario.iterationInTest % workload.joiners.length]!;
  const response = await joinRoom(user, workload.largeRoomId);
  joinDuration.add(response.timings.duration);
  if (check(response, { "joined the large room (200)": (r) => r.status === 200 })) await leaveRoom(user, workload.largeRoomId);
}

export default joinLargeRoom;
