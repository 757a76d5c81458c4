import { createServer } from "node:net";
import { describe, expect, test } from "vitest";
import { allocateFreePort, isPortListening } from "../../../src/env/ports.ts";

describe("free-port allocation", () => {
  test("hands out distinct ports that can be bound on loopback", async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => allocateFreePort()));
    expect(new Set(ports).size).toBe(20);
    for (const port of ports.slice(0, 5)) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", resolve);
      });
      expect(await isPortListening(port)).toBe(true);
      await new Promise((resolve) => server.close(resolve));
      expect(await isPortListening(port)).toBe(false);
    }
  });

  test("never returns a port someone is listening on", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const taken = (server.address() as { port: number }).port;
    const ports = await Promise.all(Array.from({ length: 50 }, () => allocateFreePort()));
    expect(ports).not.toContain(taken);
    server.close();
  });
});
