import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { FAULTS, faultById } from "../../../src/mutation/faults.ts";
import { MutationProxy } from "../../../src/mutation/proxy.ts";

// A stand-in homeserver: /register issues a token, /sync needs one, everything else echoes.
let upstream: Server;
let upstreamUrl: string;
beforeAll(async () => {
  upstream = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk));
    request.on("end", () => {
      const reply = (status: number, value: unknown) => {
        response.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*" });
        response.end(JSON.stringify(value));
      };
      if (request.url === "/_matrix/client/v3/register") return reply(200, { user_id: "@alice:hs", access_token: "alice-token", device_id: "D" });
      if (request.url?.startsWith("/_matrix/client/v3/sync")) {
        if (request.headers.authorization !== "Bearer alice-token") return reply(401, { errcode: "M_MISSING_TOKEN", error: "no token" });
        return reply(200, { next_batch: "s1", rooms: {} });
      }
      reply(200, { method: request.method, url: request.url, body });
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

test("with no fault the proxy forwards method, path, body and headers unchanged", async () => {
  const proxy = await MutationProxy.start(upstreamUrl);
  try {
    const response = await fetch(`${proxy.url}/_matrix/client/v3/rooms/!a:hs/send/m.room.message/t1?x=1`, { method: "PUT", body: '{"body":"hi"}' });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.json()).toEqual({ method: "PUT", url: "/_matrix/client/v3/rooms/!a:hs/send/m.room.message/t1?x=1", body: '{"body":"hi"}' });
  } finally {
    await proxy.close();
  }
});

test("an injected fault changes what it applies to, and counts the requests it touched", async () => {
  const proxy = await MutationProxy.start(upstreamUrl);
  try {
    await fetch(`${proxy.url}/_matrix/client/v3/register`, { method: "POST", body: "{}" });
    proxy.inject(faultById("schema/sync-without-next_batch"));
    const synced = await (await fetch(`${proxy.url}/_matrix/client/v3/sync`, { headers: { authorization: "Bearer alice-token" } })).json();
    expect(synced).toEqual({ rooms: {} });
    expect(proxy.exercised).toBe(1);
    proxy.inject(faultById("security/missing-token-accepted"));
    // The stand-in refuses /sync without a token; the fault borrows the token the proxy saw issued.
    const borrowed = await fetch(`${proxy.url}/_matrix/client/v3/sync`);
    expect(borrowed.status).toBe(200);
    proxy.inject(faultById("security/cors-missing"));
    expect((await fetch(`${proxy.url}/_matrix/client/versions`)).headers.get("access-control-allow-origin")).toBeNull();
  } finally {
    await proxy.close();
  }
});

test("the proxy refuses an upstream that is not on loopback", async () => {
  await expect(MutationProxy.start("http://192.0.2.1:8008")).rejects.toThrow(/only to loopback addresses/);
});

test("every fault has a unique id, a class, a rule and a suite meant to catch it", () => {
  expect(new Set(FAULTS.map((f) => f.id)).size).toBe(FAULTS.length);
  for (const fault of FAULTS) {
    expect(fault.id.startsWith(`${fault.class}/`), fault.id).toBe(true);
    expect(fault.rule, fault.id).toMatch(/^client-server-api\/#/);
    expect(fault.catchers.length, fault.id).toBeGreaterThan(0);
  }
});
