import { createServer, type Server } from "node:https";
import type { Socket } from "node:net";
import type { CertificatePair } from "../../../../src/env/tls.ts";

/** How one path is answered: a status and body, sent at once or one byte every `byteEveryMs`. */
export interface TrickleRoute {
  status?: number;
  body: string;
  /** Send the body one byte at a time with this pause between bytes; `repeat` sends it again and again, never ending. */
  byteEveryMs?: number;
  repeat?: boolean;
}

/** A real HTTPS server on 127.0.0.1 whose answers can crawl: headers at once, then one body byte every N ms. */
export interface TrickleServer {
  port: number;
  /** Requests seen, as `METHOD path`. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startTrickleServer(certificate: CertificatePair, routes: Record<string, TrickleRoute>): Promise<TrickleServer> {
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const route = routes[req.url ?? ""];
    if (!route) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"errcode":"M_NOT_FOUND"}');
      return;
    }
    const body = Buffer.from(route.body);
    if (!route.byteEveryMs) {
      res.writeHead(route.status ?? 200, { "content-type": "application/json" }).end(body);
      return;
    }
    // Chunked and flushed per byte, so the client sees every byte as it leaves.
    res.writeHead(route.status ?? 200, { "content-type": "application/json" });
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      if (sent === body.length && !route.repeat) {
        clearInterval(timer);
        timers.delete(timer);
        res.end();
        return;
      }
      res.write(body.subarray(sent % body.length, (sent % body.length) + 1));
      sent++;
    }, route.byteEveryMs);
    timers.add(timer);
    res.on("close", () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    requests,
    stop: async () => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
