import { afterAll, beforeAll, expect, test } from "vitest";
import { send } from "../../../src/load/k6-modules/http-transport.ts";
import { runScript, stat } from "./engine-process.ts";
import { startTestServer, type TestServer } from "./test-server.ts";

// A server that answers every request after 5 s.
let slow: TestServer;
beforeAll(async () => {
  slow = await startTestServer({ delayMs: 5_000 });
});
afterAll(() => slow.close());

test("a request past its timeout fails with k6's error code 1050 and status 0, and counts as failed", async () => {
  const { exitCode, summary } = await runScript(
    `
    import http from "k6/http";
    import { check } from "k6";
    export const options = { scenarios: { s: { executor: "shared-iterations", vus: 1, iterations: 1 } } };
    export default async function () {
      const res = await http.asyncRequest("GET", __ENV.TARGET + "/slow", null, { timeout: "300ms" });
      check(res, { "status 0": (r) => r.status === 0, "error code 1050": (r) => r.error_code === 1050 });
    }
    `,
    { TARGET: slow.url },
  );
  expect(exitCode).toBe(0);
  expect(stat(summary, "checks", "passes")).toBe(2);
  expect(stat(summary, "checks", "fails")).toBe(0);
  expect(stat(summary, "http_req_failed", "passes")).toBe(1);
}, 30_000);

test("aborting a request in flight rejects it at once with the abort reason", async () => {
  const controller = new AbortController();
  const started = performance.now();
  const sent = send({ origin: slow.url, path: "/slow", method: "GET", headers: {}, body: undefined, signal: controller.signal, timeoutMs: 60_000 });
  setTimeout(() => controller.abort(new Error("iteration interrupted")), 100);
  await expect(sent).rejects.toThrow("iteration interrupted");
  // The server answers after 5 s; the abort must not wait for it.
  expect(performance.now() - started).toBeLessThan(2_000);
});

test("after the server closes an idle keep-alive connection, the next GET goes out on a new connection and succeeds", async () => {
  const { createServer } = await import("node:http");
  let connections = 0;
  // The server closes each connection 20 ms after answering; the client waits 200 ms between requests.
  const server = createServer((request, response) => response.end("ok", () => setTimeout(() => request.socket.end(), 20)));
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const origin = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
    const request = { origin, path: "/", method: "GET", headers: {}, body: undefined, signal: undefined, timeoutMs: 5_000 } as const;
    const first = await send(request);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await send(request);
    expect([first.status, first.body.toString(), second.status, second.body.toString()]).toEqual([200, "ok", 200, "ok"]);
    expect(connections).toBe(2);
    // Each opened its own connection, so each spent time connecting.
    expect(first.connectingMs).toBeGreaterThan(0);
    expect(second.connectingMs).toBeGreaterThan(0);
  } finally {
    server.close();
  }
});
