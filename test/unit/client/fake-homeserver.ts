import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** How the double answers one path. */
export type Behaviour =
  | { kind: "json"; status: number; body: unknown }
  | { kind: "text"; status: number; body: string; contentType?: string }
  | { kind: "hang" }
  | { kind: "reset" };

export const FAKE_TOKEN = "syt_fake_secret_access_token_0123456789";

/**
 * A small stand-in for a broken homeserver on 127.0.0.1: healthy discovery and open registration
 * by default, and any path can be made to hang, reset, answer 500 or answer non-JSON.
 */
export class FakeHomeserver {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly overrides = new Map<string, Behaviour>();
  readonly requests: { method: string; path: string; authorization?: string }[] = [];
  /** After this many requests the server closes every connection and stops listening ("dies"). */
  dieAfter: number | undefined;
  #port = 0;

  constructor() {
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #default(path: string, method: string, body: string, authorized: boolean): Behaviour {
    if (path === "/_matrix/client/versions") return { kind: "json", status: 200, body: { versions: ["v1.11"] } };
    if (path === "/.well-known/matrix/client") return { kind: "json", status: 200, body: { "m.homeserver": { base_url: `${this.baseUrl}/` } } };
    if (path === "/_matrix/client/v3/register" && method === "POST") {
      const request = JSON.parse(body || "{}") as { username?: string; auth?: unknown };
      if (!request.auth) return { kind: "json", status: 401, body: { session: "s1", flows: [{ stages: ["m.login.dummy"] }], params: {} } };
      return { kind: "json", status: 200, body: { user_id: `@${request.username}:fake.test`, access_token: FAKE_TOKEN, device_id: "DEV" } };
    }
    if (path === "/_matrix/client/v3/capabilities") {
      if (!authorized) return { kind: "json", status: 401, body: { errcode: "M_MISSING_TOKEN", error: "Missing access token" } };
      return { kind: "json", status: 200, body: { capabilities: { "m.room_versions": { default: "10", available: { "10": "stable" } } } } };
    }
    return { kind: "json", status: 404, body: { errcode: "M_UNRECOGNIZED", error: "unrecognised" } };
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      this.requests.push({ method: req.method ?? "GET", path, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      if (this.dieAfter !== undefined && this.requests.length > this.dieAfter) {
        // A crashed process: the connection drops and nothing listens any more.
        req.socket.destroy();
        this.#server.close();
        for (const socket of this.#sockets) socket.destroy();
        return;
      }
      const behaviour = this.overrides.get(path) ?? this.#default(path, req.method ?? "GET", Buffer.concat(chunks).toString("utf8"), req.headers.authorization !== undefined);
      switch (behaviour.kind) {
        case "hang":
          return; // never answers; the socket is destroyed on stop()
        case "reset":
          req.socket.destroy();
          return;
        case "text":
          res.writeHead(behaviour.status, { "content-type": behaviour.contentType ?? "text/html" });
          res.end(behaviour.body);
          return;
        case "json":
          res.writeHead(behaviour.status, { "content-type": "application/json" });
          res.end(JSON.stringify(behaviour.body));
      }
    });
  }
}
