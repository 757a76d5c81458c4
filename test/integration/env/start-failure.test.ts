import { describe, expect, test } from "vitest";
import { HomeserverStartError, startEnvironment } from "../../../src/env/environment.ts";
import { leftovers, nothingLeft } from "./leftovers.ts";

describe("a homeserver that fails to start", () => {
  test("produces an error with the end of its log, and the run is removed", async () => {
    const messages: string[] = [];
    const error = await startEnvironment({
      database: "sqlite",
      // An unknown room version is a configuration error: Synapse exits at start.
      roomVersion: "no-such-version",
      progress: (message) => messages.push(message),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HomeserverStartError);
    const message = (error as Error).message;
    expect(message).toMatch(/exited with code \d+ before it became healthy/);
    expect(message).toContain("Last 50 lines of its log");
    expect(message).toContain("no-such-version");
    const runId = /run (\d{4}-[0-9a-f]{6}):/.exec(messages.join("\n"))?.[1];
    expect(runId).toBeDefined();
    expect(await leftovers(runId!, [])).toEqual(nothingLeft);
  });
});
