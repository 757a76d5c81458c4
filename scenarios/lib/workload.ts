// The seeded workload `gauntlet bench --scale` created before the scenario started: read once
// in the init context from the file GAUNTLET_WORKLOAD names (it holds access tokens, so it is a
// file the bench removes afterwards, never a parameter).
import type { MatrixUser } from "./matrix.ts";
import { numberParameter, stringParameter } from "./parameters.ts";
import type { Options } from "k6/options";

export interface Workload {
  readonly seed: number;
  readonly scale: { rooms: number; members: number; timeline: number };
  readonly subject: MatrixUser;
  readonly largeRoomId: string;
  readonly roomIds: readonly string[];
  readonly syncers: readonly MatrixUser[];
  readonly joiners: readonly MatrixUser[];
}

export function readWorkload(): Workload {
  const path = __ENV.GAUNTLET_WORKLOAD;
  if (!path) throw new Error("GAUNTLET_WORKLOAD is not set: scale scenarios run under gauntlet bench --scale, which seeds the homeserver and writes the workload file");
  return JSON.parse(open(path)) as Workload;
}

/** The open-model executor every scale scenario measures with: GAUNTLET_RATE arrivals per second for GAUNTLET_DURATION. */
export function arrivals(exec: string): NonNullable<Options["scenarios"]>[string] {
  const rate = numberParameter("GAUNTLET_RATE", 5);
  return {
    executor: "constant-arrival-rate",
    exec,
    rate,
    timeUnit: "1s",
    duration: stringParameter("GAUNTLET_DURATION", "20s"),
    preAllocatedVUs: Math.max(2, Math.min(Math.ceil(rate), 50)),
    maxVUs: numberParameter("GAUNTLET_VUS", Math.max(20, Math.ceil(rate) * 4)),
  };
}
