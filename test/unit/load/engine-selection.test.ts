import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { findK6Binary, k6BinaryEngine } from "../../../src/load/engines/k6-binary.ts";
import { selectEngine } from "../../../src/load/engines/select-engine.ts";

let directory: string;
let fakeK6: string;

// A stand-in for the k6 binary: answers `version`, and for `run` records its arguments,
// writes a summary export where --summary-export says and exits 99 as failed thresholds do.
const FAKE_K6 = `#!/bin/sh
if [ "$1" = "version" ]; then echo "k6 v9.9.9 (fake)"; exit 0; fi
echo "$@" > "$(dirname "$0")/arguments"
while [ $# -gt 0 ]; do
  if [ "$1" = "--summary-export" ]; then shift; printf '%s' '{"root_group":{"name":"","path":"","id":"x","groups":{},"checks":{}},"metrics":{"http_reqs":{"count":3,"rate":1.5}}}' > "$1"; fi
  shift
done
exit 99
`;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "gauntlet-fake-k6-"));
  fakeK6 = join(directory, "k6");
  await writeFile(fakeK6, FAKE_K6);
  await chmod(fakeK6, 0o755);
});
afterAll(() => rm(directory, { recursive: true, force: true }));

test("K6_BIN wins over PATH, and PATH is searched for an executable k6", () => {
  expect(findK6Binary({ K6_BIN: fakeK6, PATH: "/nonexistent" })).toBe(fakeK6);
  expect(findK6Binary({ PATH: `/nonexistent:${directory}` })).toBe(fakeK6);
  expect(findK6Binary({ PATH: "/nonexistent" })).toBeUndefined();
});

test("the k6 binary runs with k6's own arguments, and its summary export and exit code come back", async () => {
  const engine = await k6BinaryEngine(fakeK6);
  expect(engine.description).toBe(`k6 v9.9.9 (fake) (${fakeK6})`);
  const summaryExportPath = join(directory, "summary.json");
  const result = await engine.run({ scriptPath: "/scenarios/login.ts", env: { GAUNTLET_BASE_URL: "http://127.0.0.1:8008" }, summaryExportPath });
  expect(result.exitCode).toBe(99);
  expect(result.summary?.metrics.http_reqs).toEqual({ count: 3, rate: 1.5 });
  expect((await readFile(join(directory, "arguments"), "utf8")).trim()).toBe(
    `run --summary-export ${summaryExportPath} -e GAUNTLET_BASE_URL=http://127.0.0.1:8008 /scenarios/login.ts`,
  );
});

test("auto picks a k6 binary when there is one", async () => {
  const { engine, notice } = await selectEngine("auto", { K6_BIN: fakeK6 });
  expect(engine.name).toBe("k6");
  expect(notice).toBeUndefined();
});

test("node is the embedded engine whatever is installed", async () => {
  const { engine, notice } = await selectEngine("node", { K6_BIN: fakeK6 });
  expect(engine.name).toBe("node");
  expect(notice).toBeUndefined();
});

test("auto without a k6 binary or a local k6 image falls back to node with a one-line notice", async () => {
  const { engine, notice } = await selectEngine("auto", { PATH: "/nonexistent", GAUNTLET_K6_IMAGE: "gauntlet-test/no-such-k6:absent" });
  expect(engine.name).toBe("node");
  expect(notice).toBe(
    "no k6 binary (K6_BIN, PATH) and no local gauntlet-test/no-such-k6:absent image: running the embedded node engine",
  );
});

test("a quiet k6 run passes only --quiet, so that k6 still writes its summary export", async () => {
  const engine = await k6BinaryEngine(fakeK6);
  const summaryExportPath = join(directory, "summary.json");
  await engine.run({ scriptPath: "/scenarios/login.ts", env: {}, summaryExportPath, quiet: true });
  expect((await readFile(join(directory, "arguments"), "utf8")).trim()).toBe(`run --summary-export ${summaryExportPath} --quiet /scenarios/login.ts`);
});
