import { seededInt, seededRandom } from "../seeded-random.ts";
import type { Scale } from "./scale.ts";

/**
 * What a scaled bench workload consists of, derived from the scale and the seed alone: the same
 * seed gives the same users, rooms, memberships and message contents on every homeserver.
 * Users are indexes into `users`; the subject (user 0) is joined to every room.
 */
export interface WorkloadPlan {
  readonly seed: number;
  readonly scale: Scale;
  /** Localparts; index 0 is the subject, 1..members-1 the large room's other members. */
  readonly users: readonly string[];
  /** rooms[0] is the large room (every member, the deep timeline); the rest are the subject's other rooms. */
  readonly rooms: readonly PlannedRoom[];
  /** Users outside the large room who join it (and leave again) while the bench measures joins. */
  readonly joiners: readonly string[];
  /** Members of the large room who sync incrementally while a message stream flows into it. */
  readonly syncers: readonly number[];
}

export interface PlannedRoom {
  readonly name: string;
  readonly creator: number;
  /** Members besides the creator, in the order they join. */
  readonly joiners: readonly number[];
  /** Messages in sending order: who sends, and the body. */
  readonly messages: readonly { readonly sender: number; readonly body: string }[];
}

/** Joiners and syncers are capped: they are drawn on by the measured operations, not by the scale. */
export const JOINER_POOL = 50;
export const MAX_SYNCERS = 20;

const WORDS = ["sync", "room", "event", "state", "member", "timeline", "federation", "server", "key", "device", "message", "token"];

function body(random: () => number): string {
  const length = seededInt(random, 3, 12);
  return Array.from({ length }, () => WORDS[seededInt(random, 0, WORDS.length - 1)]).join(" ");
}

/** The plan for `scale` with `seed`: pure, so that a seed names a workload. */
export function planWorkload(scale: Scale, seed: number): WorkloadPlan {
  const random = seededRandom(seed);
  const prefix = `bench-${seed}`;
  const users = Array.from({ length: scale.members }, (_, i) => `${prefix}-u${i}`);
  const members = users.map((_, i) => i);
  const large: PlannedRoom = {
    name: `large room (${scale.members} members)`,
    creator: 0,
    joiners: members.slice(1),
    messages: Array.from({ length: scale.timeline }, () => ({ sender: seededInt(random, 0, scale.members - 1), body: body(random) })),
  };
  const others = Array.from({ length: scale.rooms - 1 }, (_, r): PlannedRoom => {
    const invited = new Set<number>();
    const count = Math.min(scale.members - 1, seededInt(random, 1, 3));
    while (invited.size < count) invited.add(seededInt(random, 1, scale.members - 1));
    const roomMembers = [0, ...invited];
    return {
      name: `room ${r + 1}`,
      creator: 0,
      joiners: [...invited],
      messages: Array.from({ length: seededInt(random, 1, 3) }, () => ({ sender: roomMembers[seededInt(random, 0, roomMembers.length - 1)]!, body: body(random) })),
    };
  });
  return {
    seed,
    scale,
    users,
    rooms: [large, ...others],
    joiners: Array.from({ length: JOINER_POOL }, (_, i) => `${prefix}-j${i}`),
    syncers: members.slice(1, 1 + MAX_SYNCERS),
  };
}

/** How many requests seeding the plan takes: what its progress counts towards. */
export function plannedRequests(plan: WorkloadPlan): number {
  const rooms = plan.rooms.reduce((sum, room) => sum + 1 + room.joiners.length + room.messages.length, 0);
  return plan.users.length + plan.joiners.length + rooms;
}
