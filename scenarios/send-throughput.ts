// Messages into N rooms at an open arrival rate; send latency is measured from each message's
// intended start, so a stalled homeserver shows as latency or dropped iterations, not as a lower rate.
import { check } from "k6";
import exec from "k6/execution";
import { Rate, Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { mustCreateRoom, mustRegisterMany, sendMessage, type MatrixUser } from "./lib/matrix.ts";
import { numberParameter, runLabel, stringParameter } from "./lib/parameters.ts";

const rate = numberParameter("GAUNTLET_RATE", 50);
const rooms = numberParameter("GAUNTLET_ROOMS", 10);

const sendLatency = new Trend("send_latency", true);
const sendOk = new Rate("send_ok");

export const options: Options = {
  setupTimeout: "10m",
  scenarios: {
    send: {
      executor: "constant-arrival-rate",
      rate,
      timeUnit: "1s",
      duration: stringParameter("GAUNTLET_DURATION", "30s"),
      preAllocatedVUs: Math.max(1, Math.min(rate, 50)),
      maxVUs: numberParameter("GAUNTLET_VUS", Math.max(10, rate * 2)),
    },
  },
  thresholds: { send_ok: ["rate>0.99"] },
};

interface Seed {
  senders: MatrixUser[];
  roomIds: string[];
}

export async function setup(): Promise<Seed> {
  const senders = await mustRegisterMany(runLabel("send"), rooms);
  const roomIds: string[] = [];
  for (const sender of senders) roomIds.push(await mustCreateRoom(sender, { name: `send-throughput ${sender.localpart}` }));
  return { senders, roomIds };
}

export default async function (seed: Seed): Promise<void> {
  const n = exec.scenario.iterationInTest;
  const room = n % seed.roomIds.length;
  const response = await sendMessage(seed.senders[room]!, seed.roomIds[room]!, `send-${exec.vu.idInTest}-${n}`, { body: `message ${n}` });
  sendLatency.add(response.timings.duration);
  sendOk.add(response.status === 200);
  check(response, { "message accepted (200)": (r) => r.status === 200 });
}
