import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { send } from "../../../src/load/k6-modules/http-transport.ts";

// A raw HTTP/1.1 server that sends each response in small pieces, so one response spans many
// socket reads: the transport reads plain TCP into one shared buffer and must copy every piece
// out before the next read (on any connection) reuses it.
const BODY_BYTES = 150 * 1024;
const PIECE_BYTES = 7_000;
let server: Server;
let origin: string;

/** The body for `/n`: a byte pattern that depends on n, so bodies of different requests differ everywhere. */
function bodyFor(n: number): Buffer {
  const body = Buffer.alloc(BODY_BYTES);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31 + n * 7) % 251;
  return body;
}

// The transport keeps idle connections open (until their socket timeout), and a server closes
// only once every connection has ended: the server's side of each is destroyed at the end.
const connections = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    connections.add(socket);
    socket.on("close", () => connections.delete(socket));
    let pending = "";
    socket.on("data", (chunk) => {
      pending += chunk.toString("latin1");
      let end: number;
      while ((end = pending.indexOf("\r\n\r\n")) >= 0) {
        const path = pending.slice(0, end).split(" ")[1] ?? "/0";
        pending = pending.slice(end + 4);
        const body = bodyFor(Number(path.slice(1)));
        const response = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${body.length}\r\n\r\n`, "latin1"), body]);
        let at = 0;
        const next = (): void => {
          if (at >= response.length || socket.destroyed) return;
          socket.write(response.subarray(at, at + PIECE_BYTES));
          at += PIECE_BYTES;
          setImmediate(next);
        };
        next();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of connections) socket.destroy();
  await closed;
});

test("responses read in many pieces over concurrent connections arrive byte for byte", async () => {
  const requests = Array.from({ length: 8 }, (_, n) =>
    send({ origin, path: `/${n}`, method: "GET", headers: {}, body: undefined, signal: undefined, timeoutMs: 10_000 }),
  );
  const responses = await Promise.all(requests);
  for (const [n, response] of responses.entries()) {
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(BODY_BYTES);
    expect(response.body.equals(bodyFor(n)), `body of /${n}`).toBe(true);
  }
});

test("a reused connection carries a second response intact", async () => {
  const first = await send({ origin, path: "/20", method: "GET", headers: {}, body: undefined, signal: undefined, timeoutMs: 10_000 });
  const second = await send({ origin, path: "/21", method: "GET", headers: {}, body: undefined, signal: undefined, timeoutMs: 10_000 });
  expect(first.body.equals(bodyFor(20))).toBe(true);
  expect(second.body.equals(bodyFor(21))).toBe(true);
  expect(second.connectingMs).toBe(0);
});
