import { Agent, request as httpRequest } from "node:http";
import { connect, createServer, type Server } from "node:net";
import { describe, expect, test } from "vitest";
import { newAppserviceRegistration } from "../../../src/appservice/registration.ts";
import { ApplicationService } from "../../../src/appservice/server.ts";
import { allocateFreePort } from "../../../src/env/ports.ts";

function block(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const blocker = createServer();
    blocker.once("error", reject);
    blocker.listen({ port, host: "127.0.0.1" }, () => resolve(blocker));
  });
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe("application service lifecycle", () => {
  test("waits for a busy port to come free", async () => {
    const registration = newAppserviceRegistration(await allocateFreePort());
    const port = Number(new URL(registration.url).port);
    const blocker = await block(port);
    const started = Date.now();
    setTimeout(() => void closeServer(blocker), 300);
    const service = await ApplicationService.listen(registration, { busyWaitMs: 5000 });
    try {
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      const response = await fetch(`${registration.url}/_matrix/app/v1/ping`, { method: "POST", headers: { authorization: `Bearer ${registration.hs_token}` }, body: "{}" });
      expect(response.status).toBe(200);
    } finally {
      await service.close();
    }
  });

  test("gives up on a port that stays busy with a message naming it", async () => {
    const registration = newAppserviceRegistration(await allocateFreePort());
    const port = Number(new URL(registration.url).port);
    const blocker = await block(port);
    try {
      const started = Date.now();
      await expect(ApplicationService.listen(registration, { busyWaitMs: 1000 })).rejects.toThrow(
        new RegExp(`127\\.0\\.0\\.1:${port} .*stayed in use for 1000 ms.*another test file's application service`),
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    } finally {
      await closeServer(blocker);
    }
  });

  test("refuses a registration url without a port", async () => {
    const registration = { ...newAppserviceRegistration(8000), url: "http://127.0.0.1" };
    await expect(ApplicationService.listen(registration)).rejects.toThrow(/names no explicit http port/);
  });

  test("close() returns promptly with an open keep-alive connection, an idle socket and a stalled request", async () => {
    const service = await ApplicationService.listen(newAppserviceRegistration(await allocateFreePort()));
    const agent = new Agent({ keepAlive: true });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${service.registration.url}/_matrix/app/v1/ping`, {
          method: "POST",
          agent,
          headers: { authorization: `Bearer ${service.registration.hs_token}`, "content-type": "application/json" },
        });
        req.on("response", (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", reject);
        req.end("{}");
      });
      expect(status).toBe(200);
      const idle = connect({ host: "127.0.0.1", port: Number(new URL(service.registration.url).port) });
      idle.on("error", () => {});
      await new Promise((resolve) => idle.once("connect", resolve));
      // A request whose body never finishes keeps its connection active, not idle.
      const stalled = httpRequest(`${service.registration.url}/_matrix/app/v1/transactions/stalled`, {
        method: "PUT",
        headers: { authorization: `Bearer ${service.registration.hs_token}`, "content-length": "100" },
      });
      stalled.on("error", () => {});
      stalled.write("{");
      await new Promise((resolve) => setTimeout(resolve, 50));
      const pending = service.waitForEvent(() => true, 10_000);
      const started = Date.now();
      await service.close();
      expect(Date.now() - started).toBeLessThan(1000);
      await expect(pending).rejects.toThrow(/closed while a wait was pending/);
      // A wait after closing ends at once unless what it wants already arrived.
      await expect(service.waitForRequest((r) => r.path === "/never")).rejects.toThrow(/is closed/);
      idle.destroy();
      stalled.destroy();
    } finally {
      agent.destroy();
    }
  });
});
