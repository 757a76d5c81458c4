import { describe, expect, test } from "vitest";
import { describeTarget, implementationKey } from "../../../src/run/results.ts";

describe("the expectations key of a deployment", () => {
  test("is hs1's implementation when hs2 is absent or runs the same one", () => {
    expect(implementationKey([{ implementation: "synapse" }])).toBe("synapse");
    expect(implementationKey([{ implementation: "synapse" }, { implementation: "synapse" }])).toBe("synapse");
  });
  test("is <hs1>+<hs2> when hs2 runs another implementation", () => {
    expect(implementationKey([{ implementation: "synapse" }, { implementation: "dendrite" }])).toBe("synapse+dendrite");
    expect(implementationKey([{ implementation: "dendrite" }, { implementation: "synapse" }])).toBe("dendrite+synapse");
  });
});

test("a target is described with each homeserver's implementation and version", () => {
  const homeservers = [
    { name: "hs1", implementation: "synapse", version: "1.160.0", baseUrl: "http://127.0.0.1:1" },
    { name: "hs2", implementation: "dendrite", version: null, baseUrl: "http://127.0.0.1:2" },
  ];
  expect(describeTarget({ implementation: "synapse+dendrite", database: "postgres", runId: null, homeservers })).toBe("hs1 synapse 1.160.0, hs2 dendrite on postgres");
  expect(describeTarget({ implementation: "synapse", database: null, runId: null, homeservers: [homeservers[0]!] })).toBe("hs1 synapse 1.160.0");
});
