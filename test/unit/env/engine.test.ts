import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { candidateEndpoints, parseDockerHost, probeEngine, EngineUnavailableError } from "../../../src/env/engine.ts";
import { demuxLogs } from "../../../src/env/container.ts";

const root = join(import.meta.dirname, "..", "..", "..");

describe("container engine discovery", () => {
  test("DOCKER_HOST forms", () => {
    expect(parseDockerHost("unix:///run/user/1000/podman/podman.sock")).toMatchObject({ socketPath: "/run/user/1000/podman/podman.sock" });
    expect(parseDockerHost("tcp://127.0.0.1:2375")).toMatchObject({ host: "127.0.0.1", port: 2375 });
    expect(parseDockerHost("tcp://[::1]:2376")).toMatchObject({ host: "::1", port: 2376 });
    expect(() => parseDockerHost("ssh://somewhere")).toThrow(EngineUnavailableError);
  });

  test("DOCKER_HOST is honoured before any default socket", () => {
    expect(candidateEndpoints({ DOCKER_HOST: "tcp://127.0.0.1:1" })).toEqual([{ url: "tcp://127.0.0.1:1", host: "127.0.0.1", port: 1 }]);
  });

  test("an unreachable engine gives a message that says what was tried and how to get one", async () => {
    const error = await probeEngine({ DOCKER_HOST: "tcp://127.0.0.1:1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as Error).message).toContain("tcp://127.0.0.1:1");
    expect((error as Error).message).toContain("gauntlet setup");
    expect((error as Error).message).toContain("DOCKER_HOST");
  });

  test("`gauntlet env up` with a bogus DOCKER_HOST fails with that message and starts nothing", () => {
    const result = spawnSync(process.execPath, [join(root, "src/cli/main.ts"), "env", "up", "--json"], {
      env: { ...process.env, DOCKER_HOST: "tcp://127.0.0.1:1", GAUNTLET_STATE_DIR: "/nonexistent-gauntlet-state" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("No container engine is reachable");
    expect(result.stderr).toContain("tcp://127.0.0.1:1");
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});

describe("container log demultiplexing", () => {
  test("joins stdout and stderr frames in order", () => {
    const frame = (stream: number, text: string) => {
      const body = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(body.length, 4);
      return Buffer.concat([header, body]);
    };
    expect(demuxLogs(Buffer.concat([frame(1, "one\n"), frame(2, "two\n"), frame(1, "three\n")]))).toBe("one\ntwo\nthree\n");
  });
  test("passes a TTY stream (no frames) through", () => {
    expect(demuxLogs(Buffer.from("plain text\n"))).toBe("plain text\n");
  });
});
