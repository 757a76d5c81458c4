import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  ExecutionTuple,
  parseExecutionSegment,
  parseExecutionSegmentSequence,
  parseRational,
} from "../../../src/load/options/execution-segment.ts";
import { runScript, stat } from "./engine-process.ts";
import { startTestServer, type TestServer } from "./test-server.ts";

const tuples = (sequence: string) => {
  const segments = parseExecutionSegmentSequence(sequence);
  return segments.map((segment) => ExecutionTuple.of(segment, segments));
};

describe("execution segments: parsing", () => {
  test("fractions, decimals and percentages name the same numbers", () => {
    expect(parseRational("1/4")).toEqual({ num: 1, den: 4 });
    expect(parseRational("0.25")).toEqual({ num: 1, den: 4 });
    expect(parseRational("25%")).toEqual({ num: 1, den: 4 });
    expect(parseRational("2/6")).toEqual({ num: 1, den: 3 });
  });

  test("a segment of one number starts at 0", () => {
    expect(parseExecutionSegment("1/2").toString()).toBe("0:1/2");
    expect(parseExecutionSegment("50%:1").toString()).toBe("1/2:1");
  });

  test("malformed segments and sequences are refused with what k6 accepts", () => {
    expect(() => parseRational("a/b")).toThrow(/fraction such as 1\/3/);
    expect(() => parseRational("1/0")).toThrow(/not a number k6 takes/);
    expect(() => parseExecutionSegment("1/2:1/4")).toThrow(/0 <= from < to <= 1, got 1\/2:1\/4/);
    expect(() => parseExecutionSegment("0:3/2")).toThrow(/0 <= from < to <= 1/);
    expect(() => parseExecutionSegmentSequence("1/2")).toThrow(/at least two boundaries/);
    expect(() => ExecutionTuple.of(parseExecutionSegment("1/4:3/4"), parseExecutionSegmentSequence("0,1/2,1"))).toThrow(
      /1\/4:3\/4 is not one of the sequence 0:1\/2,1\/2:1/,
    );
  });
});

describe("execution segments: striping", () => {
  // k6's documented example: 0:1/2, 1/2:3/4, 3/4:1 share the iterations 0 2 4 6…, 1 5 9…, 3 7 11…
  test("a 1/2, 1/4, 1/4 sequence stripes iterations as k6 does", () => {
    const [half, second, third] = tuples("0,1/2,3/4,1");
    const first = (tuple: ExecutionTuple | undefined, n: number) => {
      const out: number[] = [];
      for (const index of tuple!.indices()) {
        if (out.length === n) break;
        out.push(index);
      }
      return out;
    };
    expect(first(half, 6)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(first(second, 3)).toEqual([1, 5, 9]);
    expect(first(third, 3)).toEqual([3, 7, 11]);
    expect([1, 2, 3, 4, 5, 6].map((v) => [half!.scale(v), second!.scale(v), third!.scale(v)])).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [2, 1, 0],
      [2, 1, 1],
      [3, 1, 1],
      [3, 2, 1],
    ]);
  });

  test("for any sequence, the shares of every value add up to it and only ever grow", () => {
    const boundaries = fc
      .uniqueArray(fc.integer({ min: 1, max: 59 }), { minLength: 1, maxLength: 5 })
      .map((points) => ["0", ...points.sort((a, b) => a - b).map((p) => `${p}/60`), "1"].join(","));
    fc.assert(
      fc.property(boundaries, fc.integer({ min: 0, max: 500 }), (sequence, value) => {
        const all = tuples(sequence);
        const shares = all.map((t) => t.scale(value));
        expect(shares.reduce((a, b) => a + b, 0)).toBe(value);
        all.forEach((t, i) => expect(t.scale(value + 1)).toBeGreaterThanOrEqual(shares[i]!));
      }),
      { numRuns: 200 },
    );
  });

  test("for any sequence, the segments' iterations are disjoint and together are every iteration", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 23 }), { minLength: 1, maxLength: 4 }), (points) => {
        const sequence = ["0", ...points.sort((a, b) => a - b).map((p) => `${p}/24`), "1"].join(",");
        const seen: number[] = [];
        for (const tuple of tuples(sequence)) {
          for (let n = 0; n < tuple.scale(240); n++) seen.push(tuple.indexInTest(n));
        }
        expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 240 }, (_, i) => i));
      }),
      { numRuns: 100 },
    );
  });

  test("resegmenting by a VU count drops segments without VUs and keeps the shares of the rest", () => {
    const [a, b, c] = tuples("0,1/3,2/3,1");
    // Two VUs over three thirds: the first two segments get one each, the third none.
    expect([a!.scale(2), b!.scale(2), c!.scale(2)]).toEqual([1, 1, 0]);
    expect(c!.resegment(2)).toBeNull();
    expect(a!.resegment(2)!.scale(10) + b!.resegment(2)!.scale(10)).toBe(10);
  });

  test("no segment is the whole test", () => {
    const whole = ExecutionTuple.of();
    expect(whole.whole).toBe(true);
    expect(whole.scale(7)).toBe(7);
    expect(whole.indexInTest(5)).toBe(5);
  });
});

describe("execution segments: the node engine", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  // Each iteration asks for /i/<its number in the whole test>, so the server sees which ran.
  const script = (scenario: string) => `
    import http from "k6/http";
    import exec from "k6/execution";
    export const options = { scenarios: { split: ${scenario} } };
    export default async function () {
      await http.asyncRequest("GET", __ENV.TARGET + "/i/" + exec.scenario.iterationInTest);
    }
  `;
  const SEQUENCE = "0,1/4,1/2,1";
  const SEGMENTS = ["0:1/4", "1/4:1/2", "1/2:1"];

  async function runSegments(scenario: string): Promise<{ iterations: number[]; vusMax: number[]; indices: string[][] }> {
    const iterations: number[] = [];
    const vusMax: number[] = [];
    const indices: string[][] = [];
    for (const segment of SEGMENTS) {
      const before = server.paths.length;
      const { exitCode, summary, stderr } = await runScript(script(scenario), { TARGET: server.url }, undefined, {}, [
        "--execution-segment",
        segment,
        "--execution-segment-sequence",
        SEQUENCE,
      ]);
      expect(exitCode, stderr).toBe(0);
      iterations.push(stat(summary, "iterations", "count"));
      vusMax.push(stat(summary, "vus_max", "value"));
      indices.push(server.paths.slice(before));
    }
    return { iterations, vusMax, indices };
  }

  test("shared-iterations: 3 segments run 101 iterations and 10 VUs between them, each iteration once", async () => {
    const { iterations, vusMax, indices } = await runSegments(`{ executor: "shared-iterations", vus: 10, iterations: 101 }`);
    expect(iterations.reduce((a, b) => a + b, 0)).toBe(101);
    expect(vusMax.reduce((a, b) => a + b, 0)).toBe(10);
    expect(indices.flat().sort()).toEqual(Array.from({ length: 101 }, (_, i) => `/i/${i}`).sort());
  }, 60_000);

  test("constant-arrival-rate: 3 segments start exactly the iterations of the whole schedule, each once", async () => {
    // 40 iterations/s for 2 s is 80 iterations in the whole test.
    const { iterations, vusMax, indices } = await runSegments(
      `{ executor: "constant-arrival-rate", rate: 40, timeUnit: "1s", duration: "2s", preAllocatedVUs: 8, maxVUs: 8 }`,
    );
    expect(iterations.reduce((a, b) => a + b, 0)).toBe(80);
    expect(vusMax.reduce((a, b) => a + b, 0)).toBe(8);
    expect(indices.flat().sort()).toEqual(Array.from({ length: 80 }, (_, i) => `/i/${i}`).sort());
  }, 60_000);

  test("a segment outside its sequence stops the engine with k6's invalid-config exit code 104", async () => {
    const { exitCode, stderr } = await runScript(script(`{ executor: "shared-iterations", vus: 1, iterations: 1 }`), { TARGET: server.url }, undefined, {}, [
      "--execution-segment",
      "1/3:2/3",
      "--execution-segment-sequence",
      SEQUENCE,
    ]);
    expect(exitCode).toBe(104);
    expect(stderr).toMatch(/1\/3:2\/3 is not one of the sequence/);
  });
});
