import { describe, expect, test } from "vitest";
import { otherEngineEndpoints } from "../../../src/env/image-transfer.ts";
import { hardLimit, podmanUlimits } from "../../../src/env/podman.ts";

// /proc/self/limits of a machine without CAP_SYS_RESOURCE where Podman's default limits failed.
const limits = [
  "Limit                     Soft Limit           Hard Limit           Units     ",
  "Max processes             32768                32768                processes ",
  "Max open files            20000                20000                files     ",
  "Max locked memory         8388608              8388608              bytes     ",
].join("\n");

describe("Podman's container limits", () => {
  test("hard limits are read from /proc/PID/limits; unlimited reads as undefined", () => {
    expect(hardLimit(limits, "Max open files")).toBe(20000);
    expect(hardLimit(limits, "Max processes")).toBe(32768);
    expect(hardLimit("Max open files            unlimited            unlimited            files", "Max open files")).toBeUndefined();
  });

  test("below the machine's hard limits, and at most the ceilings, soft equal to hard", () => {
    expect(podmanUlimits(limits)).toEqual({ nofile: { soft: 16384, hard: 16384 }, nproc: { soft: 32767, hard: 32767 } });
    const low = "Max processes             4096                 4096                 processes\nMax open files            1024                 1024                 files";
    expect(podmanUlimits(low)).toEqual({ nofile: { soft: 1023, hard: 1023 }, nproc: { soft: 4095, hard: 4095 } });
  });
});

describe("image copies into Podman", () => {
  test("the other engines are the machine's usual sockets, whatever DOCKER_HOST names, without the one in use", () => {
    const inUse = { url: "unix:///run/podman/podman.sock", socketPath: "/run/podman/podman.sock" };
    const others = otherEngineEndpoints(inUse, { DOCKER_HOST: inUse.url });
    expect(others.map((e) => e.url)).not.toContain(inUse.url);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((e) => e.url.startsWith("unix://"))).toBe(true);
  });
});
