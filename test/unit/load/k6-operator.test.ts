import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { equalSegments, flattenScript, k6OperatorManifests } from "../../../src/load/distributed/k6-operator.ts";
import { runScript, stat } from "./engine-process.ts";
import { startTestServer, type TestServer } from "./test-server.ts";

const SCENARIO = new URL("../../../scenarios/delivery-latency.ts", import.meta.url).pathname;

describe("k6 operator manifests", () => {
  test("the ConfigMap holds the scenario and its lib modules under flat names the scenario imports", () => {
    const { entry, files } = flattenScript(SCENARIO);
    expect(entry).toBe("delivery-latency.ts");
    expect(Object.keys(files).sort()).toEqual(["delivery-latency.ts", "lib__matrix.ts", "lib__parameters.ts"]);
    expect(files["delivery-latency.ts"]).toContain(`from "./lib__matrix.ts"`);
    // Every relative import of every file names a file of the ConfigMap.
    for (const [name, text] of Object.entries(files)) {
      for (const [, specifier] of text.matchAll(/from\s*["'](\.\.?\/[^"']+)["']/g)) {
        expect(Object.keys(files), `${name} imports ${specifier}`).toContain(specifier!.slice(2));
      }
    }
  });

  test("the TestRun runs the ConfigMap's script on N runners with the scenario's environment", () => {
    const { files } = k6OperatorManifests({
      scriptPath: SCENARIO,
      env: { GAUNTLET_BASE_URL: "https://matrix.example.org", GAUNTLET_RATE: "50" },
      parallelism: 4,
      name: "gauntlet-delivery-latency",
      runnerImage: "grafana/k6:latest",
    });
    const parse = (text: string) => JSON.parse(text.replace(/^#.*\n/, ""));
    const testRun = parse(files["testrun.yaml"]!);
    const configMap = parse(files["configmap.yaml"]!);
    expect(testRun).toMatchObject({
      apiVersion: "k6.io/v1alpha1",
      kind: "TestRun",
      spec: {
        parallelism: 4,
        script: { configMap: { name: "gauntlet-delivery-latency", file: "delivery-latency.ts" } },
        runner: { image: "grafana/k6:latest", env: [{ name: "GAUNTLET_BASE_URL", value: "https://matrix.example.org" }, { name: "GAUNTLET_RATE", value: "50" }] },
      },
    });
    expect(configMap.metadata.name).toBe("gauntlet-delivery-latency");
    expect(Object.keys(configMap.data)).toContain("delivery-latency.ts");
  });

  test("a name Kubernetes refuses and a parallelism below 1 are refused before anything is written", () => {
    const request = { scriptPath: SCENARIO, env: {}, parallelism: 2, name: "ok", runnerImage: "grafana/k6" };
    expect(() => k6OperatorManifests({ ...request, name: "Not_A_Name" })).toThrow(/is not a Kubernetes name/);
    expect(() => k6OperatorManifests({ ...request, parallelism: 0 })).toThrow(/at least 1; got 0/);
  });

  test("the operator's equal segments for 3 runners are thirds of one sequence", () => {
    expect(equalSegments(3)).toEqual([
      { executionSegment: "0:1/3", executionSegmentSequence: "0,1/3,2/3,1" },
      { executionSegment: "1/3:2/3", executionSegmentSequence: "0,1/3,2/3,1" },
      { executionSegment: "2/3:1", executionSegmentSequence: "0,1/3,2/3,1" },
    ]);
  });
});

describe("k6 operator manifests: the flattened script runs", () => {
  let server: TestServer;
  let directory: string;
  beforeAll(async () => {
    server = await startTestServer();
    directory = await mkdtemp(join(tmpdir(), "gauntlet-operator-"));
  });
  afterAll(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  // As the operator mounts the ConfigMap: every key a file of one folder, each runner its own segment.
  test("3 runners of a flattened script that imports a module run the whole test's 60 iterations between them", async () => {
    await mkdir(join(directory, "source", "lib"), { recursive: true });
    await writeFile(join(directory, "source", "lib", "target.ts"), `export const path = (n: number): string => "/n/" + n;\n`);
    const script = join(directory, "source", "split.ts");
    await writeFile(
      script,
      `import http from "k6/http";
       import exec from "k6/execution";
       import { path } from "./lib/target.ts";
       export const options = { scenarios: { split: { executor: "shared-iterations", vus: 6, iterations: 60 } } };
       export default async function () { await http.asyncRequest("GET", __ENV.TARGET + path(exec.scenario.iterationInTest)); }
      `,
    );
    const { files, segments } = k6OperatorManifests({ scriptPath: script, env: {}, parallelism: 3, name: "split", runnerImage: "grafana/k6" });
    const { files: flat } = flattenScript(script);
    expect(Object.keys(flat).sort()).toEqual(["lib__target.ts", "split.ts"]);
    expect(files["configmap.yaml"]).toContain("lib__target.ts");
    let total = 0;
    for (const segment of segments) {
      const { exitCode, summary, stderr } = await runScript(flat["split.ts"]!, { TARGET: server.url }, undefined, { "lib__target.ts": flat["lib__target.ts"]! }, [
        "--execution-segment",
        segment.executionSegment,
        "--execution-segment-sequence",
        segment.executionSegmentSequence,
      ]);
      expect(exitCode, stderr).toBe(0);
      total += stat(summary, "iterations", "count");
    }
    expect(total).toBe(60);
    expect(new Set(server.paths).size).toBe(60);
  }, 60_000);
});
