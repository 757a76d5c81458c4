import { describe, expect, test } from "vitest";
import { postgresPlan } from "../../../src/env/database.ts";
import { debianMirror, debianImageTag } from "../../../src/env/debian-image.ts";

describe("PostgreSQL container plan", () => {
  test("initialises UTF8 with C collation, as Synapse requires, and listens where asked", () => {
    const plan = postgresPlan({ listenAddress: "127.0.0.1", port: 45432, user: "synapse", password: "pw" });
    const script = plan.command.join("\n");
    expect(script).toContain("-E UTF8 --locale=C");
    expect(script).toContain("-h 127.0.0.1 -p 45432");
    expect(plan.user).toBe("postgres");
    expect(plan.files).toEqual([expect.objectContaining({ content: "pw\n" })]);
  });
});

describe("Debian-built image", () => {
  test("the tag changes with the recipe and is stable otherwise", () => {
    expect(debianImageTag()).toMatch(/^gauntlet\/matrix-debian:sid-[0-9a-f]{10}$/);
    expect(debianImageTag()).toBe(debianImageTag());
  });
  test("the mirror can be chosen explicitly", () => {
    expect(debianMirror({ GAUNTLET_DEBIAN_MIRROR: "http://127.0.0.1:3142/debian" })).toBe("http://127.0.0.1:3142/debian");
    expect(debianMirror({})).toMatch(/^https?:\/\//);
  });
});
