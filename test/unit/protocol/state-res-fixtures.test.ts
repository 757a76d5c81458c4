import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseStateResFixture, runStateResFixture } from "../../../src/protocol/state-res/fixture.ts";

// Every fixture in fixtures/state-res resolves to its expected result (rooms/v2.md, rooms/v12.md).

const directory = fileURLToPath(new URL("../../../fixtures/state-res/", import.meta.url));
const files = readdirSync(directory).filter((name) => name.endsWith(".json")).sort();

describe("state resolution fixtures", () => {
  it("has the fixtures the suite relies on", () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it.each(files)("%s", (file) => {
    const fixture = parseStateResFixture(JSON.parse(readFileSync(directory + file, "utf8")), file);
    const outcome = runStateResFixture(fixture);
    expect(outcome.differences).toEqual([]);
    expect(outcome.passed).toBe(true);
  });
});
