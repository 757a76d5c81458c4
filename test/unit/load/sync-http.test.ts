import { afterAll, beforeAll, expect, test } from "vitest";
import * as http from "../../../src/load/k6-modules/http.ts";
import { runScript } from "./engine-process.ts";
import type { TestServer } from "./test-server.ts";
import { startTestServer } from "./test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

test.each([
  ["get", http.get, "GET"],
  ["post", http.post, "POST"],
  ["put", http.put, "PUT"],
  ["del", http.del, "DELETE"],
  ["request", http.request, "METHOD"],
  ["batch", http.batch, "GET"],
] as const)("http.%s() throws and names the async form", (name, call, method) => {
  expect(() => (call as () => unknown)()).toThrow(`http.${name}() is synchronous`);
  expect(() => (call as () => unknown)()).toThrow(`await http.asyncRequest("${method}", url, body, params)`);
});

test("a script calling http.get() fails its iterations with that explanation and sends nothing", async () => {
  const { summary, stderr } = await runScript(
    `
    import http from "k6/http";
    export const options = { vus: 1, iterations: 3 };
    export default function () {
      http.get(__ENV.TARGET + "/");
    }
    `,
    { TARGET: server.url },
  );
  expect(stderr).toContain("http.get() is synchronous");
  expect(stderr).toContain('await http.asyncRequest("GET"');
  expect(server.arrivals).toHaveLength(0);
  expect(summary.metrics.http_reqs).toBeUndefined();
});
