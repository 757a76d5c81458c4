import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { getProfile } from "../../../src/env/profiles/index.ts";
import { wrappableProblem, wrappedBinaryImage } from "../../../src/env/wrapped-binary-image.ts";

const dir = mkdtempSync(join(tmpdir(), "gauntlet-wrapped-test-"));
function file(name: string, content: Buffer | string, mode: number): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}
const elf = file("server", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), 0o755);

describe("--binary: a locally built server wrapped into the Debian-built base", () => {
  test("an executable ELF file is accepted for every profile that runs one binary", () => {
    for (const name of ["conduit", "continuwuity", "tuwunel", "dendrite"]) expect(wrappableProblem(getProfile(name), elf)).toBeUndefined();
  });

  test("Synapse is refused: it is not one binary", () => {
    expect(wrappableProblem(getProfile("synapse"), elf)).toContain("Synapse is not one binary");
  });

  test("a missing path, a file that is not executable, and a script are each refused with the reason", () => {
    const conduit = getProfile("conduit");
    expect(wrappableProblem(conduit, join(dir, "absent"))).toMatch(/is not an executable file \(ENOENT\)$/);
    expect(wrappableProblem(conduit, file("plain", Buffer.from([0x7f, 0x45, 0x4c, 0x46]), 0o644))).toMatch(/is not an executable file \(EACCES\)$/);
    expect(wrappableProblem(conduit, file("script.sh", "#!/bin/sh\n", 0o755))).toContain("is not an ELF binary");
  });

  test("the image is named after the profile, the binary's content and the recipe; another build gets another tag", async () => {
    const conduit = getProfile("conduit");
    const first = (await wrappedBinaryImage(conduit, elf)).tag();
    expect(first).toMatch(/^gauntlet\/wrapped-conduit:[0-9a-f]{10}-[0-9a-f]{10}$/);
    const other = file("server2", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 1]), 0o755);
    expect((await wrappedBinaryImage(conduit, other)).tag()).not.toBe(first);
    expect((await wrappedBinaryImage(getProfile("tuwunel"), elf)).tag()).toMatch(/^gauntlet\/wrapped-tuwunel:/);
  });
});
