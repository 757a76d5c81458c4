import { describe, expect, test } from "vitest";
import { runCli } from "./cli.ts";
import { leftovers, nothingLeft } from "./leftovers.ts";

describe("Ctrl-C during env up", () => {
  test("SIGINT after the database started and before the homeserver is healthy leaves nothing behind", async () => {
    let runId = "";
    let ports: number[] = [];
    let interrupted = false;
    const result = await runCli(["env", "up", "--db", "postgres"], {
      onStderr: (stderr, child) => {
        runId ||= /run (\d{4}-[0-9a-f]{6}):/.exec(stderr)?.[1] ?? "";
        // Interrupt as soon as the homeserver container is being started, well before it is healthy.
        const starting = /PostgreSQL ready on 127\.0\.0\.1:(\d+)[\s\S]*starting hs1 .* as localhost:(\d+)/.exec(stderr);
        if (starting && !interrupted) {
          interrupted = true;
          ports = [Number(starting[1]), Number(starting[2])];
          child.kill("SIGINT");
        }
      },
    });
    expect(interrupted, result.stderr).toBe(true);
    expect(result.stderr).not.toContain("hs1 healthy");
    expect(result.code, result.stderr).toBe(130);
    expect(runId).not.toBe("");
    expect(await leftovers(runId, ports)).toEqual(nothingLeft);
  });
});
