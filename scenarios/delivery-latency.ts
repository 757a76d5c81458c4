// The headline: senders post at a fixed rate while receivers long-poll /sync. Delivery latency
// runs from a message's intended send time to its arrival in each receiver's sync; a message
// not delivered to a receiver within 5 s counts as lost for that receiver.
// All receivers are driven by one VU with concurrent sync loops, so it alone sees when every
// member has a message ("all members received"): k6 VUs share no state.
import { check } from "k6";
import exec from "k6/execution";
import { Counter, Rate, Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { mustCreateRoom, mustJoinRoom, mustRegisterMany, sendMessage, SyncLoop, type MatrixUser } from "./lib/matrix.ts";
import { durationSeconds, numberParameter, runLabel, stringParameter } from "./lib/parameters.ts";

const rate = numberParameter("GAUNTLET_RATE", 10);
const duration = stringParameter("GAUNTLET_DURATION", "30s");
const senderCount = numberParameter("GAUNTLET_SENDERS", 5);
const receiverCount = numberParameter("GAUNTLET_RECEIVERS", 10);
const LOST_AFTER_MS = 5000;
// Receivers catch up before the first message is due.
const SEND_DELAY_S = 3;

const deliveryLatency = new Trend("delivery_latency", true);
const allMembersReceived = new Trend("all_members_received", true);
const deliveredInTime = new Rate("delivered_within_5s");
const eventsLost = new Counter("events_lost");
const sendLatency = new Trend("send_latency", true);
const sendOk = new Rate("send_ok");

const messagesPlanned = Math.floor(rate * durationSeconds(duration));

export const options: Options = {
  setupTimeout: "10m",
  scenarios: {
    send: {
      executor: "constant-arrival-rate",
      exec: "send",
      rate,
      timeUnit: "1s",
      duration,
      startTime: `${SEND_DELAY_S}s`,
      preAllocatedVUs: Math.max(1, Math.min(rate, 50)),
      maxVUs: numberParameter("GAUNTLET_VUS", Math.max(10, rate * 2)),
    },
    receive: {
      executor: "per-vu-iterations",
      exec: "receive",
      vus: 1,
      iterations: 1,
      maxDuration: `${SEND_DELAY_S + durationSeconds(duration) + 30}s`,
    },
  },
  thresholds: { delivered_within_5s: ["rate>0.99"], send_ok: ["rate>0.99"] },
};

interface Seed {
  senders: MatrixUser[];
  receivers: MatrixUser[];
  roomId: string;
}

export async function setup(): Promise<Seed> {
  const label = runLabel("delivery");
  const senders = await mustRegisterMany(`${label}-s`, senderCount);
  const receivers = await mustRegisterMany(`${label}-r`, receiverCount);
  const roomId = await mustCreateRoom(senders[0]!, { name: "delivery-latency" });
  for (const member of [...senders.slice(1), ...receivers]) await mustJoinRoom(member, roomId);
  return { senders, receivers, roomId };
}

/** One message, stamped with its sequence number and the time it was due. */
export async function send(seed: Seed): Promise<void> {
  const seq = exec.scenario.iterationInTest;
  // Whole milliseconds: event content is canonical JSON, which has no floats (spec: appendices, canonical JSON).
  const intendedAt = Math.round(exec.scenario.startTime + (seq * 1000) / rate);
  const sender = seed.senders[seq % seed.senders.length]!;
  const response = await sendMessage(sender, seed.roomId, `delivery-${seq}`, {
    body: `delivery ${seq}`,
    gauntlet: { seq, intended_at: intendedAt },
  });
  sendLatency.add(response.timings.duration);
  sendOk.add(response.status === 200);
  check(response, { "message accepted (200)": (r) => r.status === 200 });
}

/** Every receiver's sync loop until the last message's deadline has passed. */
export async function receive(seed: Seed): Promise<void> {
  const loops = seed.receivers.map((receiver) => new SyncLoop(receiver));
  await Promise.all(loops.map((loop) => loop.start()));
  const stopAt = Date.now() + (SEND_DELAY_S + durationSeconds(duration)) * 1000 + LOST_AFTER_MS + 1000;
  // For each message: how many receivers got it in time, and when the last of them did.
  const arrivals = new Map<number, { count: number; latest: number }>();
  await Promise.all(
    loops.map(async (loop) => {
      const seen = new Set<number>();
      while (Date.now() < stopAt) {
        const { events, receivedAt } = await loop.next(Math.min(5000, Math.max(0, stopAt - Date.now())));
        for (const { roomId, event } of events) {
          const stamp = event.content.gauntlet as { seq?: number; intended_at?: number } | undefined;
          if (roomId !== seed.roomId || typeof stamp?.seq !== "number" || typeof stamp.intended_at !== "number") continue;
          if (seen.has(stamp.seq)) continue;
          seen.add(stamp.seq);
          const latency = receivedAt - stamp.intended_at;
          deliveryLatency.add(latency);
          if (latency > LOST_AFTER_MS) continue;
          const arrival = arrivals.get(stamp.seq) ?? { count: 0, latest: 0 };
          arrival.count++;
          arrival.latest = Math.max(arrival.latest, latency);
          arrivals.set(stamp.seq, arrival);
        }
      }
    }),
  );
  // Messages never sent (dropped or failed sends) also count as lost: they were due.
  for (let seq = 0; seq < messagesPlanned; seq++) {
    const arrival = arrivals.get(seq);
    const inTime = arrival?.count ?? 0;
    for (let r = 0; r < seed.receivers.length; r++) deliveredInTime.add(r < inTime);
    if (inTime < seed.receivers.length) eventsLost.add(seed.receivers.length - inTime);
    else allMembersReceived.add(arrival!.latest);
  }
}

export default send;
