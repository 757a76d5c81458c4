import { describe, expect, test } from "vitest";
import { parseCpuTimes, stealPercent } from "../../../src/bench/cpu-steal.ts";
import { benchSides, comparisonPairs, sideName } from "../../../src/bench/sides.ts";

describe("bench sides", () => {
  test("one implementation names its sides by database and compares PostgreSQL over SQLite", () => {
    const sides = benchSides(["synapse"], ["sqlite", "postgres"], { image: "mine:1" });
    expect(sides.map((s) => s.key)).toEqual(["sqlite", "postgres"]);
    expect(sides.every((s) => s.environment.image === "mine:1")).toBe(true);
    expect(comparisonPairs(sides.map((s) => s.key))).toEqual([["postgres", "sqlite"]]);
  });

  test("two implementations compare databases within each, then the second against the first on each database; --image goes to the first only", () => {
    const sides = benchSides(["synapse", "dendrite"], ["sqlite", "postgres"], { image: "mine:1" });
    expect(sides.map((s) => s.key)).toEqual(["synapse-sqlite", "synapse-postgres", "dendrite-sqlite", "dendrite-postgres"]);
    expect(sides.map((s) => s.environment.image ?? null)).toEqual(["mine:1", "mine:1", null, null]);
    expect(comparisonPairs(sides.map((s) => s.key))).toEqual([
      ["synapse-postgres", "synapse-sqlite"],
      ["dendrite-postgres", "dendrite-sqlite"],
      ["dendrite-sqlite", "synapse-sqlite"],
      ["dendrite-postgres", "synapse-postgres"],
    ]);
    expect(sideName("dendrite-sqlite")).toBe("Dendrite on SQLite");
    expect(sideName("postgres")).toBe("PostgreSQL");
  });
});

describe("CPU steal", () => {
  test("the share of stolen ticks between two /proc/stat readings, guest time not counted twice", () => {
    const before = parseCpuTimes("cpu  1000 0 500 8000 100 0 50 350 20 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n");
    const after = parseCpuTimes("cpu  1500 0 700 8900 100 0 100 700 40 0\n");
    expect(before).toEqual({ total: 10000, steal: 350 });
    // Δtotal = 2000 ticks, Δsteal = 350.
    expect(stealPercent(before!, after!)).toBe(17.5);
  });

  test("a file without a cpu line, or no elapsed time, gives no steal", () => {
    expect(parseCpuTimes("intr 1 2 3\n")).toBeNull();
    const same = parseCpuTimes("cpu  1 2 3 4 5 6 7 8 0 0")!;
    expect(stealPercent(same, same)).toBeNull();
  });
});
