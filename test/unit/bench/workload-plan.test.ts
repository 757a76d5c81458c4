import { describe, expect, test } from "vitest";
import { JOINER_POOL, MAX_SYNCERS, planWorkload, plannedRequests } from "../../../src/bench/workload/plan.ts";
import { formatScale, parseScale, SCALE_PRESETS } from "../../../src/bench/workload/scale.ts";

describe("seeded workload plan", () => {
  const scale = { rooms: 30, members: 40, timeline: 500 };

  test("the same seed and scale give the same plan, field for field", () => {
    expect(planWorkload(scale, 42)).toEqual(planWorkload(scale, 42));
  });

  test("another seed gives other message contents and memberships", () => {
    const a = planWorkload(scale, 42);
    const b = planWorkload(scale, 43);
    expect(a.rooms[0]!.messages.map((m) => m.body)).not.toEqual(b.rooms[0]!.messages.map((m) => m.body));
    expect(a.rooms.slice(1).map((r) => r.joiners)).not.toEqual(b.rooms.slice(1).map((r) => r.joiners));
  });

  test("the plan has the scale's rooms, the large room every member and the timeline's depth", () => {
    const plan = planWorkload(scale, 7);
    expect(plan.users).toHaveLength(40);
    expect(plan.rooms).toHaveLength(30);
    expect(new Set(plan.users).size).toBe(40);
    const [large, ...others] = plan.rooms;
    expect(large!.creator).toBe(0);
    expect([...large!.joiners].sort((x, y) => x - y)).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
    expect(large!.messages).toHaveLength(500);
    // The subject (user 0) creates every other room, so it is joined to all 30.
    for (const room of others) {
      expect(room.creator).toBe(0);
      expect(room.joiners.length).toBeGreaterThanOrEqual(1);
      expect(room.joiners).not.toContain(0);
      expect(new Set(room.joiners).size).toBe(room.joiners.length);
    }
    expect(plan.joiners).toHaveLength(JOINER_POOL);
    expect(plan.joiners.filter((j) => plan.users.includes(j))).toEqual([]);
    expect(plan.syncers).toEqual(Array.from({ length: MAX_SYNCERS }, (_, i) => i + 1));
    expect(plannedRequests(plan)).toBe(40 + JOINER_POOL + 30 + 39 + 500 + others.reduce((n, r) => n + r.joiners.length + r.messages.length, 0));
  });

  test("a two-member scale still plans a room with one other member and one syncer", () => {
    const plan = planWorkload({ rooms: 3, members: 2, timeline: 5 }, 1);
    expect(plan.rooms.slice(1).map((r) => r.joiners)).toEqual([[1], [1]]);
    expect(plan.syncers).toEqual([1]);
  });
});

describe("--scale", () => {
  test("a preset name gives the preset", () => {
    expect(parseScale("large")).toEqual(SCALE_PRESETS.large);
  });

  test("key=value pairs override the medium preset and print back the same", () => {
    const scale = parseScale("rooms=1000,timeline=300");
    expect(scale).toEqual({ rooms: 1000, members: 100, timeline: 300 });
    expect(formatScale(scale)).toBe("rooms=1000,members=100,timeline=300");
  });

  test("an unknown key, a bad number or a one-member room is refused with what was expected", () => {
    expect(() => parseScale("roms=10")).toThrow(/expected a preset \(small, medium, large\) or key=value pairs of rooms, members, timeline.*got "roms=10"/);
    expect(() => parseScale("rooms=ten")).toThrow(/--scale rooms=ten: expected a whole number from 1 to 10000/);
    expect(() => parseScale("members=1")).toThrow(/--scale members=1: expected a whole number from 2 to 10000/);
  });
});
