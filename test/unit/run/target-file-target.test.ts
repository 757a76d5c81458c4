import { expect, test } from "vitest";
import { writeTargetFile } from "../../../src/deployment/target-file.ts";
import { UserError } from "../../../src/errors/user-error.ts";
import { openTarget } from "../../../src/run/target.ts";

const options = { keep: false, signal: new AbortController().signal, progress: () => {} };

test("--target opens the deployment a target file describes: its homeservers and CA, nothing to watch", async () => {
  const ca = { certPem: "CERT", keyPem: "KEY" };
  const homeserver = { name: "hs1", implementation: "synapse", baseUrl: "http://127.0.0.1:1", serverName: "localhost:1", federationUrl: "https://127.0.0.1:2", provisioning: { kind: "open-registration" as const } };
  const channel = writeTargetFile({ version: 2, runId: null, requestTimeoutMs: 15_000, ca, homeservers: [homeserver] });
  try {
    const open = await openTarget({ kind: "file", path: channel.file }, options);
    expect(open.homeservers).toEqual([homeserver]);
    expect(open.ca).toEqual(ca);
    expect(open.containers).toEqual([]);
    expect(open.runId).toBeNull();
  } finally {
    channel.remove();
  }
});

test("--target naming no target file is a usage error (exit 2) that names the option and the path", async () => {
  const error = await openTarget({ kind: "file", path: "/nonexistent/target.json" }, options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).toMatch(/^--target \/nonexistent\/target\.json: .*expected a target file/);
  expect((error as UserError).exitCode).toBe(2);
});
