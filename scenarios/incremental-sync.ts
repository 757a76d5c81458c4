// Incremental /sync latency against the time since the user's previous sync: each VU owns a
// user, waits a gap from GAUNTLET_GAPS, then syncs without long-polling while messages flow
// (GAUNTLET_CHATTER_RATE per second into the shared room).
import { check, sleep } from "k6";
import exec from "k6/execution";
import { Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { mustCreateRoom, mustJoinRoom, mustRegisterMany, sendMessage, sync, type MatrixUser } from "./lib/matrix.ts";
import { numberListParameter, numberParameter, runLabel, stringParameter } from "./lib/parameters.ts";

const gaps = numberListParameter("GAUNTLET_GAPS", [0.25, 1, 4, 16]);
const syncers = numberParameter("GAUNTLET_VUS", 10);
const duration = stringParameter("GAUNTLET_DURATION", "60s");

const syncDurationAfterGap = Object.fromEntries(gaps.map((gap) => [gap, new Trend(`incremental_sync_after_${String(gap).replace(".", "_")}s`, true)]));

export const options: Options = {
  setupTimeout: "10m",
  scenarios: {
    sync: { executor: "constant-vus", exec: "syncAfterGap", vus: syncers, duration },
    chatter: {
      executor: "constant-arrival-rate",
      exec: "chatter",
      rate: numberParameter("GAUNTLET_CHATTER_RATE", 5),
      timeUnit: "1s",
      duration,
      preAllocatedVUs: 5,
      maxVUs: 20,
    },
  },
};

interface Seed {
  users: MatrixUser[];
  roomId: string;
}

export async function setup(): Promise<Seed> {
  const users = await mustRegisterMany(runLabel("incremental"), syncers + 1);
  const roomId = await mustCreateRoom(users[0]!, { name: "incremental-sync" });
  for (const user of users.slice(1)) await mustJoinRoom(user, roomId);
  return { users, roomId };
}

// This VU's sync position: module state is per VU in both engines.
let since: string | undefined;

export async function syncAfterGap(seed: Seed): Promise<void> {
  const user = seed.users[1 + (exec.vu.idInTest % syncers)]!;
  if (since === undefined) since = (await sync(user, undefined, 0)).nextBatch;
  const gap = gaps[exec.vu.iterationInScenario % gaps.length]!;
  await sleep(gap);
  const result = await sync(user, since, 0);
  since = result.nextBatch;
  syncDurationAfterGap[gap]!.add(result.response.timings.duration);
  check(result.response, { "incremental sync (200)": (r) => r.status === 200 });
}

export async function chatter(seed: Seed): Promise<void> {
  const n = exec.scenario.iterationInTest;
  await sendMessage(seed.users[0]!, seed.roomId, `chatter-${n}`, { body: `chatter ${n}` });
}

export default syncAfterGap;
