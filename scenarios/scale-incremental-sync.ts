// Incremental /sync (no long-poll) by members of the seeded large room at an open arrival rate,
// while GAUNTLET_STREAM_RATE messages per second flow into that room.
import { check } from "k6";
import exec from "k6/execution";
import { Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { sendMessage, sync } from "./lib/matrix.ts";
import { numberParameter, stringParameter } from "./lib/parameters.ts";
import { arrivals, readWorkload } from "./lib/workload.ts";

const workload = readWorkload();
const syncDuration = new Trend("scale_incremental_sync", true);
const streamRate = numberParameter("GAUNTLET_STREAM_RATE", 5);

export const options: Options = {
  scenarios: {
    sync: arrivals("incrementalSync"),
    stream: {
      executor: "constant-arrival-rate",
      exec: "stream",
      rate: streamRate,
      timeUnit: "1s",
      duration: stringParameter("GAUNTLET_DURATION", "20s"),
      preAllocatedVUs: 2,
      maxVUs: 10,
    },
  },
};

// Each VU's position per user: module state is per VU in both engines.
const since = new Map<string, string>();

export async function incrementalSync(): Promise<void> {
  const user = workload.syncers[exec.scenario.iterationInTest % workload.syncers.length]!;
  const from = since.get(user.userId);
  if (from === undefined) {
    since.set(user.userId, (await sync(user, undefined, 0)).nextBatch);
    return;
  }
  const result = await sync(user, from, 0);
  since.set(user.userId, result.nextBatch);
  syncDuration.add(result.response.timings.duration);
  check(result.response, { "incremental sync (200)": (r) => r.status === 200 });
}

export async function stream(): Promise<void> {
  const n = exec.scenario.iterationInTest;
  await sendMessage(workload.subject, workload.largeRoomId, `stream-${exec.vu.idInTest}-${n}-${Date.now()}`, { body: `stream ${n}` });
}

export default incrementalSync;
