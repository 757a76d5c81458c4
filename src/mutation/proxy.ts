// A fault-injecting proxy between the suites and a real homeserver's client-server API (or, over
// TLS with the run CA, its federation API): with no fault it forwards every request unchanged;
// with one it makes the homeserver look as if it broke one rule of the spec, so that a run
// through it shows whether some test notices.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";
import type { CertificatePair } from "../env/tls.ts";
import { isLoopbackAddress } from "../net/loopback.ts";

/** For a federation listener: the proxy serves this certificate and trusts only this CA upstream. */
export interface ProxyTls {
  certificate: CertificatePair;
  caCertPem: string;
}

/** A request as the proxy holds it: whole, so that a fault can read and rewrite it. */
export interface ProxyRequest {
  readonly method: string;
  /** Path and query, e.g. `/_matrix/client/v3/sync?timeout=0`. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface ProxyResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** What a fault may do with one request: forward it (changed or not), and look up users seen so far. */
export interface FaultContext {
  readonly request: ProxyRequest;
  forward(request?: ProxyRequest): Promise<ProxyResponse>;
  /** The access token of a user the proxy saw register or log in, if any. */
  tokenOf(userId: string): string | undefined;
  /** The user an access token belongs to, if the proxy saw it issued. */
  userOf(token: string): string | undefined;
  /** Every access token the proxy saw issued, oldest first. */
  tokens(): string[];
}

/** One way of breaking the spec: which requests it touches and what it does with them. */
export interface Interceptor {
  applies(request: ProxyRequest): boolean;
  handle(context: FaultContext): Promise<ProxyResponse>;
}

// Media uploads in the suites are small; anything larger is refused rather than buffered.
const MAX_BODY = 64 * 1024 * 1024;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer", "content-length", "host"]);

function plainHeaders(raw: IncomingHttpHeaders | Iterable<[string, string]>): Record<string, string> {
  const headers: Record<string, string> = {};
  // Fetch's Headers (undici's class, not always the global one) iterate; node's are a plain object.
  const entries = Symbol.iterator in raw ? [...(raw as Iterable<[string, string]>)] : Object.entries(raw);
  for (const [name, value] of entries) {
    if (value === undefined || HOP_BY_HOP.has(name.toLowerCase())) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return headers;
}

export class MutationProxy {
  readonly #server: Server;
  readonly #upstream: URL;
  readonly #agent: Agent | undefined;
  readonly #tokens = new Map<string, string>();
  readonly #users = new Map<string, string>();
  #fault: Interceptor | undefined;
  /** Requests the active fault applied to since it was set. */
  exercised = 0;
  readonly url: string;

  private constructor(server: Server, upstream: URL, url: string, agent: Agent | undefined) {
    this.#server = server;
    this.#upstream = upstream;
    this.#agent = agent;
    this.url = url;
  }

  /** Listens on 127.0.0.1 and forwards to `upstream`, which must be a loopback URL; with `tls`, over HTTPS both ways. */
  static async start(upstream: string, tls?: ProxyTls): Promise<MutationProxy> {
    const target = new URL(upstream);
    if (!isLoopbackAddress(target.hostname.replace(/^\[|\]$/g, ""))) {
      throw new Error(`the mutation proxy forwards only to loopback addresses; ${upstream} is not one`);
    }
    let proxy: MutationProxy | undefined;
    const serve = (incoming: IncomingMessage, outgoing: ServerResponse) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      incoming.on("end", () => {
        const request: ProxyRequest = { method: incoming.method ?? "GET", path: incoming.url ?? "/", headers: plainHeaders(incoming.headers), body: Buffer.concat(chunks) };
        const answer = size > MAX_BODY
          ? Promise.resolve<ProxyResponse>({ status: 413, headers: { "content-type": "application/json" }, body: Buffer.from('{"errcode":"M_TOO_LARGE","error":"larger than the mutation proxy buffers"}') })
          : proxy!.#handle(request);
        answer
          .then((response) => {
            outgoing.writeHead(response.status, { ...response.headers, "content-length": String(response.body.length) });
            outgoing.end(response.body);
          })
          .catch((error: Error) => {
            outgoing.writeHead(502, { "content-type": "application/json" });
            outgoing.end(JSON.stringify({ errcode: "M_UNKNOWN", error: `mutation proxy: ${error.message}` }));
          });
      });
    };
    const server: Server = tls ? createTlsServer({ cert: tls.certificate.certPem, key: tls.certificate.keyPem }, serve) : createServer(serve);
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const agent = tls ? new Agent({ connect: { ca: tls.caCertPem } }) : undefined;
    proxy = new MutationProxy(server, target, `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`, agent);
    return proxy;
  }

  /** The fault to inject from now on; undefined forwards everything unchanged. */
  inject(fault: Interceptor | undefined): void {
    this.#fault = fault;
    this.exercised = 0;
  }

  async #handle(request: ProxyRequest): Promise<ProxyResponse> {
    const fault = this.#fault;
    const context: FaultContext = {
      request,
      forward: (changed) => this.#forward(changed ?? request),
      tokenOf: (userId) => this.#tokens.get(userId),
      userOf: (token) => this.#users.get(token),
      tokens: () => [...this.#users.keys()],
    };
    if (fault?.applies(request)) {
      this.exercised++;
      return fault.handle(context);
    }
    return context.forward();
  }

  async #forward(request: ProxyRequest): Promise<ProxyResponse> {
    const response = await undiciFetch(new URL(request.path, this.#upstream), {
      ...(this.#agent ? { dispatcher: this.#agent } : {}),
      method: request.method,
      headers: request.headers,
      ...(request.body.length > 0 && request.method !== "GET" && request.method !== "HEAD" ? { body: request.body } : {}),
      redirect: "manual",
      // /sync long-polls for at most the suites' timeouts; a hung homeserver must not hang the proxy.
      signal: AbortSignal.timeout(120_000),
    });
    const body = Buffer.from(await response.arrayBuffer());
    const headers = plainHeaders(response.headers);
    // fetch decodes compressed bodies; the length and encoding change with it.
    delete headers["content-encoding"];
    this.#learnUser(request, response.status, body);
    return { status: response.status, headers, body };
  }

  /** Remembers the tokens of registrations and logins, for faults that act as another user. */
  #learnUser(request: ProxyRequest, status: number, body: Buffer): void {
    if (status !== 200 || request.method !== "POST" || !/\/(register|login)(\?|$)/.test(request.path)) return;
    try {
      const parsed = JSON.parse(body.toString("utf8")) as { user_id?: unknown; access_token?: unknown };
      if (typeof parsed.user_id === "string" && typeof parsed.access_token === "string") {
        this.#tokens.set(parsed.user_id, parsed.access_token);
        this.#users.set(parsed.access_token, parsed.user_id);
      }
    } catch {
      // Not JSON: nothing to learn.
    }
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await this.#agent?.close();
  }
}
