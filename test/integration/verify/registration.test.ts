import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEnvironment, type Environment, type Homeserver } from "../../../src/env/environment.ts";
import { allocateFreePort } from "../../../src/env/ports.ts";
import { verifyDeployment } from "../../../src/verify/index.ts";
import type { VerifyOptions, VerifyReport } from "../../../src/verify/types.ts";
import { check } from "./support/report.ts";
import { MATRIX_HOST, SERVER_NAME, startDeployment, type Deployment } from "./support/deployment.ts";

// One Synapse with the environment's defaults: open registration without any verification,
// the setting the guides warn against. One nginx and DNS server in front of it for the file.
let env: Environment;
let hs: Homeserver;
let deployment: Deployment;
const user = { localpart: `verify-${randomBytes(3).toString("hex")}`, password: randomBytes(18).toString("base64url") };

beforeAll(async () => {
  const port = await allocateFreePort();
  env = await startEnvironment({ database: "sqlite", serverName: SERVER_NAME, publicBaseUrl: `https://${MATRIX_HOST}:${port}/`, progress: (m) => console.error(m) });
  hs = env.homeserver("hs1");
  await hs.registerUser({ localpart: user.localpart, password: user.password });
  deployment = await startDeployment({ clientUrl: hs.baseUrl, federationUrl: hs.federationUrl }, env.state.ca, {}, port);
});

afterAll(async () => {
  await deployment?.stop();
  await env?.stop();
});

function verify(extra: Partial<VerifyOptions>): Promise<VerifyReport> {
  return verifyDeployment({ serverName: SERVER_NAME, ...deployment.verifyArgs, caPem: env.state.ca.certPem, timeoutMs: 5000, deadlineMs: 60_000, allowWrites: false, allowOpenRegistration: false, ...extra });
}


describe("registration safety against a Synapse with open registration", () => {
  test("with --allow-writes, open registration without verification fails client.registration", async () => {
    const report = await verify({ allowWrites: true, credentials: { user: user.localpart, password: user.password } });
    const registration = check(report, "client.registration");
    expect(registration.status).toBe("fail");
    expect(registration.evidence.join("\n")).toMatch(/open registration without verification: flow \[m\.login\.dummy\]/);
    expect(registration.fix).toMatch(/enable_registration: false/);
    expect(report.checks.filter((c) => c.status === "fail").map((c) => c.id)).toEqual(["client.registration"]);
    expect(report.summary.ok).toBe(false);
    // The write checks ran, and cleaned up: the user is in no room afterwards.
    for (const id of ["account.room", "account.send", "account.sync", "account.cleanup"]) expect(check(report, id).status).toBe("pass");
    const joined = await fetch(`${hs.baseUrl}/_matrix/client/v3/joined_rooms`, { headers: { authorization: `Bearer ${await login()}` } });
    expect(((await joined.json()) as { joined_rooms: string[] }).joined_rooms).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(user.password);
  });

  test("--allow-open-registration turns the failure into a warning", async () => {
    const report = await verify({ allowWrites: true, allowOpenRegistration: true, credentials: { user: user.localpart, password: user.password } });
    expect(check(report, "client.registration").status).toBe("warn");
    expect(report.summary.ok).toBe(true);
  });

  test("read-only, open registration is a warning that says how to read the stages", async () => {
    const report = await verify({});
    const registration = check(report, "client.registration");
    expect(registration.status).toBe("warn");
    expect(registration.evidence.join("\n")).toContain("registration is open; its verification stages were not read");
    const writes = deployment.nginx.accessLog().filter((l) => l.method === "POST" && l.uri === "/_matrix/client/v3/register");
    // Only the two --allow-writes runs above asked for the flows.
    expect(writes).toHaveLength(2);
  });
});

/** A fresh access token for the test's own check of the user's rooms, straight to the homeserver. */
async function login(): Promise<string> {
  const response = await fetch(`${hs.baseUrl}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: user.localpart }, password: user.password }),
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}
