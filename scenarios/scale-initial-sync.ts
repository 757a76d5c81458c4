// Initial /sync of a user joined to every room of the seeded workload (GAUNTLET_WORKLOAD), at an
// open arrival rate: how long a client coming online waits, by the number of rooms it is in.
import { check } from "k6";
import exec from "k6/execution";
import { Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { sync } from "./lib/matrix.ts";
import { arrivals, readWorkload } from "./lib/workload.ts";

const workload = readWorkload();
const syncDuration = new Trend("scale_initial_sync", true);
const syncBytes = new Trend("scale_initial_sync_bytes");

export const options: Options = { scenarios: { initial_sync: arrivals("initialSync") } };

export async function initialSync(): Promise<void> {
  // A distinct timeout per request: an initial sync never waits for it, and it keeps a server's
  // cache of identical sync requests from answering instead of the sync itself.
  const { response, timelines } = await sync(workload.subject, undefined, exec.scenario.iterationInTest);
  syncDuration.add(response.timings.duration);
  syncBytes.add(typeof response.body === "string" ? response.body.length : 0);
  check(timelines, { "every joined room is in the initial sync": (t) => Object.keys(t).length === workload.roomIds.length });
}

export default initialSync;
