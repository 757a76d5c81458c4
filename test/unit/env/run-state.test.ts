import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { implementationKey, readRunState } from "../../../src/env/state.ts";

describe("run state files", () => {
  const previous = process.env.GAUNTLET_STATE_DIR;
  beforeEach(() => {
    process.env.GAUNTLET_STATE_DIR = mkdtempSync(join(tmpdir(), "gauntlet-state-"));
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.GAUNTLET_STATE_DIR;
    else process.env.GAUNTLET_STATE_DIR = previous;
  });

  test("a run written in the first format reads with the run's images on each homeserver and on PostgreSQL", () => {
    const homeserver = { name: "gauntlet/matrix-debian:sid-4cc219c97a", origin: "debian" };
    const hs = { name: "hs1", profile: "synapse", serverName: "localhost:1", baseUrl: "http://127.0.0.1:2", containerId: "c1" };
    const v1 = {
      version: 1,
      runId: "1201-abcdef",
      profile: "synapse",
      images: { homeserver, postgres: { name: "postgres:18", origin: "registry" } },
      postgres: { containerId: "p1", host: "127.0.0.1", port: 3, user: "synapse", password: "pw" },
      homeservers: [hs, { ...hs, name: "hs2" }],
    };
    mkdirSync(join(process.env.GAUNTLET_STATE_DIR!, "runs"), { recursive: true });
    writeFileSync(join(process.env.GAUNTLET_STATE_DIR!, "runs", "1201-abcdef.json"), JSON.stringify(v1));
    const state = readRunState("1201-abcdef");
    expect(state.version).toBe(2);
    expect(state.homeservers.map((h) => [h.name, h.image])).toEqual([["hs1", homeserver], ["hs2", homeserver]]);
    expect(state.postgres?.image).toEqual({ name: "postgres:18", origin: "registry" });
    expect(state).not.toHaveProperty("images");
  });

  test("the implementation key is hs1's profile, or both joined with + when hs2 differs", () => {
    expect(implementationKey(["synapse"])).toBe("synapse");
    expect(implementationKey(["dendrite", "dendrite"])).toBe("dendrite");
    expect(implementationKey(["synapse", "dendrite"])).toBe("synapse+dendrite");
    expect(implementationKey(["dendrite", "synapse"])).toBe("dendrite+synapse");
  });
});
