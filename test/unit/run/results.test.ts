import { expect, test } from "vitest";
import { describeTarget } from "../../../src/run/results.ts";

test("a target is described with each homeserver's implementation and version", () => {
  const homeservers = [
    { name: "hs1", implementation: "synapse", version: "1.160.0", baseUrl: "http://127.0.0.1:1" },
    { name: "hs2", implementation: "dendrite", version: null, baseUrl: "http://127.0.0.1:2" },
  ];
  expect(describeTarget({ implementation: "synapse+dendrite", database: "postgres", runId: null, homeservers })).toBe("hs1 synapse 1.160.0, hs2 dendrite on postgres");
  expect(describeTarget({ implementation: "synapse", database: null, runId: null, homeservers: [homeservers[0]!] })).toBe("hs1 synapse 1.160.0");
});
