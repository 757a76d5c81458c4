import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadDeployment } from "../../../src/deployment/deployment.ts";
import { readTargetFile, TARGET_FILE_VARIABLE, writeTargetFile, type TargetFile } from "../../../src/deployment/target-file.ts";

const target: TargetFile = {
  version: 2,
  runId: "1201-abcdef",
  requestTimeoutMs: 2500,
  ca: { certPem: "-----BEGIN CERTIFICATE-----", keyPem: "-----BEGIN PRIVATE KEY-----" },
  homeservers: [
    { name: "hs1", implementation: "synapse", baseUrl: "http://127.0.0.1:8008", serverName: "localhost:8448", federationUrl: "https://127.0.0.1:8448", provisioning: { kind: "open-registration" } },
    { name: "hs2", implementation: "dendrite", baseUrl: "http://127.0.0.1:8009", serverName: "localhost:8449", provisioning: { kind: "open-registration" } },
  ],
};

describe("the target file", () => {
  test("is written readable by its owner only, read back as written, and removed afterwards", () => {
    const channel = writeTargetFile(target);
    expect(statSync(channel.file).mode & 0o777).toBe(0o600);
    // The one channel: suites learn everything, the run CA included, from the file.
    expect(channel.env).toEqual({ [TARGET_FILE_VARIABLE]: channel.file });
    // The file also names where the run writes incidents and where peers record their ports, beside the target file.
    const peerPortsDir = join(dirname(channel.file), "peer-ports");
    expect(readTargetFile(channel.env)).toEqual({ ...target, incidentsFile: channel.incidentsFile, peerPortsDir });
    expect(channel.incidentsFile).toBe(join(dirname(channel.file), "incidents.json"));
    channel.remove();
    expect(existsSync(channel.file)).toBe(false);
  });

  test("an environment's record of peer ports is kept where the run names it, and the deployment claims each port once", () => {
    const dir = mkdtempSync(join(tmpdir(), "gauntlet-peer-ports-"));
    const channel = writeTargetFile({ ...target, peerPortsDir: dir });
    const deployment = loadDeployment(channel.env);
    channel.remove();
    expect(deployment.claimPeerPort(41225)).toBe(true);
    // The record outlives the target file, for later runs against the same environment.
    expect(readdirSync(dir)).toEqual(["41225"]);
    expect(deployment.claimPeerPort(41225)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  test("a --url target sets no run id", () => {
    const channel = writeTargetFile({ ...target, runId: null });
    expect(Object.keys(channel.env)).toEqual([TARGET_FILE_VARIABLE]);
    channel.remove();
  });

  test("gives suites the deployment: implementations, federation URLs, the run CA and the request timeout", () => {
    const channel = writeTargetFile(target);
    const deployment = loadDeployment(channel.env);
    channel.remove();
    expect(deployment.source).toBe("run 1201-abcdef");
    expect(deployment.ca).toEqual(target.ca);
    expect(deployment.homeservers.map((hs) => [hs.name, hs.implementation, hs.federationUrl])).toEqual([
      ["hs1", "synapse", "https://127.0.0.1:8448"],
      ["hs2", "dendrite", undefined],
    ]);
    expect(deployment.homeserver("hs2").baseUrl).toBe("http://127.0.0.1:8009");
    expect(() => deployment.homeserver("hs3")).toThrow("the deployment under test (run 1201-abcdef) has no homeserver hs3; it has hs1, hs2");
  });

  test("without the variable, or with a file of another version, the error says what to do", () => {
    expect(() => readTargetFile({})).toThrow(`no deployment to test: suites run through \`gauntlet run\` (\`gauntlet run --run RUN\` tests an environment of \`gauntlet env up\`), which sets ${TARGET_FILE_VARIABLE}`);
    const file = join(mkdtempSync(join(tmpdir(), "gauntlet-target-test-")), "old.json");
    writeFileSync(file, JSON.stringify({ version: 1, profile: "synapse", homeservers: [] }));
    expect(() => readTargetFile({ [TARGET_FILE_VARIABLE]: file })).toThrow(`${TARGET_FILE_VARIABLE}=${file}: expected a target file of version 2 with homeservers and requestTimeoutMs, got version 1; run the suites through this gauntlet`);
    writeFileSync(file, "not json");
    expect(() => readTargetFile({ [TARGET_FILE_VARIABLE]: file })).toThrow(/expected a target file written by gauntlet run \(Unexpected token/);
  });
});
