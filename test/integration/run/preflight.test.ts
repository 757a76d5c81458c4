import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { FakeHomeserver } from "../../unit/client/fake-homeserver.ts";

// `gauntlet run --url` against loopback servers that are not working homeservers: the run must
// stop before any suite with one error and exit code 3, within the request timeout.
const NODE = join(process.cwd(), "node_modules", ".bin", "node");
const CLI = join(process.cwd(), "src", "cli", "main.ts");
const REQUEST_TIMEOUT_S = 2;

let hs: FakeHomeserver;
let out: string;

beforeEach(async () => {
  hs = await new FakeHomeserver().start();
  out = join(mkdtempSync(join(tmpdir(), "gauntlet-preflight-")), "out");
});
afterEach(async () => {
  await hs.stop();
});

async function run(url: string): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      NODE,
      [CLI, "run", "--url", url, "--suite", "client/discovery", "--out", out, "--no-allure", "--request-timeout", String(REQUEST_TIMEOUT_S), "--quiet"],
      { timeout: 60_000, env: { ...process.env, GITHUB_STEP_SUMMARY: "" } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

/** The one error line: what was expected, what came back, what to do. */
function expectOneClearError(stderr: string, got: string): void {
  const errors = stderr.split("\n").filter((line) => line.startsWith("gauntlet: "));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain('expected GET /_matrix/client/versions to answer 200 with a JSON object holding a "versions" array');
  expect(errors[0]).toContain(`got ${got}`);
  expect(errors[0]).toContain("Check that the homeserver is running and that the URL is its client-server base URL");
}

describe("gauntlet run pre-flight", () => {
  test("an HTML page at /versions stops the run with exit 3 before any suite, and writes no report", async () => {
    hs.overrides.set("/_matrix/client/versions", { kind: "text", status: 200, body: "<html><body>Welcome to nginx!</body></html>" });
    const { code, stderr } = await run(hs.baseUrl);
    expectOneClearError(stderr, "HTTP 200 with a body that is not JSON (text/html): <html><body>Welcome to nginx!</body></html>");
    expect(code).toBe(3);
    expect(hs.requests.map((r) => r.path)).toEqual(["/_matrix/client/versions"]);
    expect(existsSync(join(out, "results.json"))).toBe(false);
  });

  test("a 502 at /versions stops the run with exit 3 and shows the status and body", async () => {
    hs.overrides.set("/_matrix/client/versions", { kind: "text", status: 502, body: "Bad Gateway" });
    const { code, stderr } = await run(hs.baseUrl);
    expectOneClearError(stderr, "HTTP 502: Bad Gateway");
    expect(code).toBe(3);
    expect(hs.requests).toHaveLength(1);
  });

  test("JSON without a versions array stops the run with exit 3", async () => {
    hs.overrides.set("/_matrix/client/versions", { kind: "json", status: 200, body: { unstable_features: {} } });
    const { code, stderr } = await run(hs.baseUrl);
    expectOneClearError(stderr, 'HTTP 200 with JSON that has no "versions" array: {"unstable_features":{}}');
    expect(code).toBe(3);
  });

  test("a server that hangs at /versions stops the run with exit 3 once the request timeout passes", async () => {
    hs.overrides.set("/_matrix/client/versions", { kind: "hang" });
    const { code, stderr, ms } = await run(hs.baseUrl);
    expectOneClearError(stderr, `no answer within ${REQUEST_TIMEOUT_S} s`);
    expect(code).toBe(3);
    // The deadline is the request timeout, plus the CLI's start-up.
    expect(ms).toBeLessThan(REQUEST_TIMEOUT_S * 1000 + 20_000);
  });

  describe("a server that does not speak HTTP", () => {
    let garbage: Server;
    const sockets = new Set<Socket>();
    beforeEach(async () => {
      garbage = createServer((socket) => {
        sockets.add(socket);
        socket.on("error", () => {});
        socket.end("SSH-2.0-OpenSSH_9.6\r\n\u0000\u0001garbage");
      });
      await new Promise<void>((resolve) => garbage.listen(0, "127.0.0.1", resolve));
    });
    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => garbage.close(resolve));
    });

    test("stops the run with exit 3 and says no HTTP answer came", async () => {
      const address = garbage.address() as { port: number };
      const { code, stderr } = await run(`http://127.0.0.1:${address.port}`);
      expectOneClearError(stderr, "no HTTP answer (Response does not match the HTTP/1.1 protocol");
      expect(code).toBe(3);
    });
  });
});
