import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseXMatrixHeader, verifyXMatrixRequest, type JsonValue } from "../protocol/index.ts";
import type { CertificatePair } from "../env/tls.ts";
import { issueServerCertificate } from "../env/tls.ts";
import { Recorder } from "../recording/recorder.ts";
import type { RemoteKeyStore } from "./remote-keys.ts";

/** A request a homeserver made to the peer, as the peer saw it. */
export interface InboundRequest {
  method: string;
  path: string;
  origin: string | undefined;
  body: unknown;
  status: number;
  /** Why X-Matrix authentication failed, when it did. */
  authProblem?: string;
  /** The X-Matrix parameters the request carried (server-server API, "Request Authentication"). */
  xMatrix?: { origin: string; key: string; destination: string | undefined };
  /** True when no handler expected this request (strict mode reports these). */
  unexpected: boolean;
  at: number;
}

export type Reply = { status: number; body: JsonValue };

/** An authenticated request as a route sees it: `params` are the pattern's decoded groups. */
export interface RouteRequest {
  method: string;
  path: string;
  params: string[];
  query: URLSearchParams;
  origin: string;
  body: unknown;
}

export type RouteHandler = (request: RouteRequest) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

export function matrixError(status: number, errcode: string, error: string): Reply {
  return { status, body: { errcode, error } };
}

async function readBody(req: IncomingMessage, limit = 10 * 2 ** 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const MAX_PORT_ATTEMPTS = 50;

export interface PeerServerOptions {
  /** The run CA: the server's certificate is signed by it. */
  ca: CertificatePair;
  /** The unauthenticated key document (server-server-api/#get_matrixkeyv2server), built per request. */
  serverKeys: () => JsonValue;
  /** Keys of the servers that call, for X-Matrix verification. */
  keys: () => RemoteKeyStore;
  /** Whether a request no route expects is recorded as unexpected. */
  strict: boolean;
}

/**
 * The peer's transport: an HTTPS server on loopback that authenticates X-Matrix requests,
 * dispatches them to routes and records every request with the status it was answered with.
 */
export class PeerServer {
  readonly requests = new Recorder<InboundRequest>();
  readonly routes: Route[] = [];
  serverName = "";
  readonly #options: PeerServerOptions;
  #server: Server | undefined;

  constructor(options: PeerServerOptions) {
    this.#options = options;
  }

  /**
   * Listens on 127.0.0.1 on a free port that `claimPort` accepts; the server name is
   * `localhost:<port>`. Returns the port. Ports it refuses stay bound until one is accepted, so
   * the OS cannot offer them again meanwhile.
   */
  async listen(claimPort: (port: number) => boolean = () => true): Promise<number> {
    const tls = await issueServerCertificate(this.#options.ca, { names: ["localhost", "127.0.0.1"] });
    const refused: Server[] = [];
    try {
      for (let attempt = 0; attempt < MAX_PORT_ATTEMPTS; attempt++) {
        const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => void this.#dispatch(req, res));
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(0, "127.0.0.1", resolve);
        });
        const port = (server.address() as AddressInfo).port;
        let claimed: boolean;
        try {
          claimed = claimPort(port);
        } catch (error) {
          server.close();
          throw error;
        }
        if (!claimed) {
          refused.push(server);
          continue;
        }
        this.#server = server;
        this.serverName = `localhost:${port}`;
        return port;
      }
    } finally {
      for (const server of refused) server.close();
    }
    throw new Error(`the federation peer found no port on 127.0.0.1 that no earlier peer used, in ${MAX_PORT_ATTEMPTS} tries`);
  }

  async close(): Promise<void> {
    this.requests.close("the federation peer stopped while a wait was pending");
    await new Promise<void>((resolve) => {
      if (!this.#server) return resolve();
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://peer.invalid");
    const method = req.method ?? "GET";
    const record: InboundRequest = { method, path: url.pathname, origin: undefined, body: undefined, status: 0, unexpected: false, at: Date.now() };
    const reply = (status: number, body: JsonValue) => {
      record.status = status;
      this.requests.record(record);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const text = await readBody(req);
      if (text) {
        try {
          record.body = JSON.parse(text);
        } catch {
          return reply(400, { errcode: "M_NOT_JSON", error: "body is not JSON" });
        }
      }
      // Unauthenticated endpoints (server-server API, "Retrieving server keys", "GET /version").
      if (method === "GET" && url.pathname === "/_matrix/key/v2/server") return reply(200, this.#options.serverKeys());
      if (method === "GET" && url.pathname === "/_matrix/federation/v1/version") return reply(200, { server: { name: "Gauntlet federation peer", version: "1" } });
      const origin = await this.#authenticate(req, url, record);
      if (origin === undefined) return reply(401, { errcode: "M_UNAUTHORIZED", error: `X-Matrix authentication failed: ${record.authProblem}` });
      for (const route of this.routes) {
        if (route.method !== method) continue;
        const match = route.pattern.exec(url.pathname);
        if (!match) continue;
        const params = match.slice(1).map((p) => decodeURIComponent(p));
        const result = await route.handler({ method, path: url.pathname, params, query: url.searchParams, origin, body: record.body });
        return reply(result.status, result.body);
      }
      record.unexpected = this.#options.strict;
      return reply(404, { errcode: "M_UNRECOGNIZED", error: `the federation peer does not handle ${method} ${url.pathname}` });
    } catch (error) {
      return reply(500, { errcode: "M_UNKNOWN", error: `federation peer failure: ${(error as Error).message}` });
    }
  }

  /** The origin of a request whose X-Matrix signature verifies (server-server-api/#request-authentication), else undefined with the problem recorded. */
  async #authenticate(req: IncomingMessage, url: URL, record: InboundRequest): Promise<string | undefined> {
    const keys = this.#options.keys();
    const authorization = req.headers.authorization ?? "";
    let origin: string;
    try {
      const header = parseXMatrixHeader(authorization);
      origin = header.origin;
      record.xMatrix = { origin: header.origin, key: header.key, destination: header.destination };
      await keys.key(origin, header.key);
    } catch (error) {
      record.authProblem = (error as Error).message;
      return undefined;
    }
    const verification = verifyXMatrixRequest(
      { method: record.method, uri: `${url.pathname}${url.search}`, destination: this.serverName, content: record.body as JsonValue | undefined, authorization },
      (server, keyId) => keys.lookup(server, keyId),
    );
    record.origin = origin;
    if (!verification.valid) {
      record.authProblem = verification.problem ?? "invalid signature";
      return undefined;
    }
    return origin;
  }
}
