import { describe, expect, test } from "vitest";
import { parseShard, parseShuffle } from "../../../src/run/selection.ts";
import { UserError } from "../../../src/errors/user-error.ts";

describe("gauntlet run options", () => {
  test("--shuffle alone picks a fresh positive seed; --shuffle SEED keeps it", () => {
    expect(parseShuffle(undefined)).toBeUndefined();
    const seeds = new Set(Array.from({ length: 20 }, () => parseShuffle("")));
    for (const seed of seeds) expect(Number.isInteger(seed) && (seed ?? 0) >= 1).toBe(true);
    expect(seeds.size).toBeGreaterThan(1);
    expect(parseShuffle("12345")).toBe(12345);
  });

  test("a seed that is not a whole number is a usage error (exit 2)", () => {
    for (const bad of ["abc", "-3", "1.5", "12345678901"]) {
      expect(() => parseShuffle(bad)).toThrow(UserError);
      try {
        parseShuffle(bad);
      } catch (error) {
        expect((error as UserError).exitCode).toBe(2);
        expect((error as Error).message).toContain(`--shuffle ${bad}`);
      }
    }
  });

  test("--shard takes i/n with 1 ≤ i ≤ n", () => {
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
    for (const bad of ["0/3", "4/3", "a/b", "3"]) expect(() => parseShard(bad)).toThrow(UserError);
  });
});
