import { describe, expect, test } from "vitest";
import { fromRegistry } from "../../../src/env/images.ts";

describe("images from another registry", () => {
  test("Docker Hub names map onto a mirror's paths", () => {
    expect(fromRegistry("matrixdotorg/synapse:latest", "127.0.0.1:5000")).toBe("127.0.0.1:5000/matrixdotorg/synapse:latest");
    expect(fromRegistry("postgres:18", "registry.example:443/hub/")).toBe("registry.example:443/hub/library/postgres:18");
  });
  test("without a registry the name is unchanged", () => {
    expect(fromRegistry("postgres:18", undefined)).toBe("postgres:18");
  });
});
