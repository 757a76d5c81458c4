// The node engine's HTTP/1.1 transport: keep-alive sockets per origin, one request at a time on
// each (as k6's Go transport uses them), with the request written in one call and the response
// parsed in place. A general client (undici) costs several times the CPU per request, which
// the engine cannot spare while it keeps an arrival schedule; owning the socket also gives the
// timing points k6 reports (connecting, TLS, sending, waiting, receiving) and exact byte counts.
import { isIP, connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { Http1ResponseParser, type ParsedResponse } from "./http1-response-parser.ts";

export interface TransportRequest {
  /** `http://host:port` or `https://host:port`. */
  readonly origin: string;
  readonly path: string;
  readonly method: string;
  /** Lower-case names; Host, Content-Length are added when absent. */
  readonly headers: Record<string, string>;
  readonly body: string | Buffer | undefined;
  /** Aborts the request (the iteration was interrupted). */
  readonly signal: AbortSignal | undefined;
  /** Deadline for the response headers, and between body chunks, as k6's `timeout`. */
  readonly timeoutMs: number;
}

export interface TransportResponse {
  readonly status: number;
  /** Field names lower-case, repeated fields joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Time to open the TCP connection (0 on a reused one), and the TLS handshake after it. */
  readonly connectingMs: number;
  readonly tlsHandshakingMs: number;
  /** performance.now() when the connection was ready, the request written, the first byte and the last byte received. */
  readonly connectedAt: number;
  readonly sentAt: number;
  readonly firstByteAt: number;
  readonly endedAt: number;
  /** Bytes on the wire, as k6 counts data_sent and data_received. */
  readonly sentBytes: number;
  readonly receivedBytes: number;
}

/** No response byte arrived within the request's timeout. */
export class TransportTimeoutError extends Error {}

/** The connection ended before the response did. */
export class ConnectionClosedError extends Error {
  readonly code = "ECONNRESET";
}

// Idempotent requests are retried once when a reused connection turns out to have been closed
// by the server while idle, before any byte of the answer: the request never reached it.
const RETRIABLE = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const BODY_EXPECTED = new Set(["POST", "PUT", "PATCH"]);

/** Sends one request and resolves with the whole response; rejects with the socket's error, a timeout, or the abort reason. */
export function send(request: TransportRequest): Promise<TransportResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = request;
    if (signal?.aborted) return reject(signal.reason);
    const pool = poolOf(request.origin);
    const exchange = new Exchange(request, pool.hostHeader, resolve, reject);
    if (signal) watch(signal, exchange);
    pool.dispatch(exchange);
  });
}

/** One request and its response, across a retry. */
class Exchange {
  readonly request: TransportRequest;
  readonly head: string;
  readonly parser: Http1ResponseParser;
  connection: Connection | undefined;
  connectingMs = 0;
  tlsHandshakingMs = 0;
  connectedAt = 0;
  sentAt = 0;
  firstByteAt = 0;
  sentBytes = 0;
  receivedBytes = 0;
  retried = false;
  readonly #resolve: (response: TransportResponse) => void;
  readonly #reject: (error: unknown) => void;

  constructor(request: TransportRequest, host: string, resolve: (response: TransportResponse) => void, reject: (error: unknown) => void) {
    this.request = request;
    this.head = requestHead(request, host);
    this.parser = new Http1ResponseParser(request.method === "HEAD");
    this.#resolve = resolve;
    this.#reject = reject;
  }

  complete(parsed: ParsedResponse, endedAt: number): void {
    this.#settle();
    this.#resolve({
      status: parsed.status,
      headers: parsed.headers,
      body: parsed.body,
      connectingMs: this.connectingMs,
      tlsHandshakingMs: this.tlsHandshakingMs,
      connectedAt: this.connectedAt,
      sentAt: this.sentAt,
      firstByteAt: this.firstByteAt || endedAt,
      endedAt,
      sentBytes: this.sentBytes,
      receivedBytes: this.receivedBytes,
    });
  }

  fail(error: unknown): void {
    this.#settle();
    this.#reject(error);
  }

  #settle(): void {
    this.connection = undefined;
    const { signal } = this.request;
    if (signal) watched.get(signal)?.delete(this);
  }
}

function requestHead(request: TransportRequest, host: string): string {
  const { headers, body } = request;
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  if (headers.host === undefined) head += `host: ${host}\r\n`;
  for (const name in headers) {
    const value = headers[name]!;
    if (value.includes("\r") || value.includes("\n")) throw new Error(`header ${name} contains a line break; header values must be one line`);
    head += `${name}: ${value}\r\n`;
  }
  if (headers["content-length"] === undefined) {
    if (body !== undefined) head += `content-length: ${typeof body === "string" ? Buffer.byteLength(body) : body.length}\r\n`;
    else if (BODY_EXPECTED.has(request.method)) head += "content-length: 0\r\n";
  }
  return `${head}\r\n`;
}

// One abort listener per signal (a scenario's hard stop is shared by all its requests), not one per request.
const watched = new WeakMap<AbortSignal, Set<Exchange>>();

function watch(signal: AbortSignal, exchange: Exchange): void {
  let exchanges = watched.get(signal);
  if (!exchanges) {
    const set = new Set<Exchange>();
    exchanges = set;
    watched.set(signal, set);
    signal.addEventListener("abort", () => {
      for (const pending of [...set]) {
        if (pending.connection) pending.connection.destroy(signal.reason);
        else pending.fail(signal.reason);
      }
    }, { once: true });
  }
  exchanges.add(exchange);
}

/** The connections to one origin: idle ones are reused last-in first-out. */
class Pool {
  readonly #host: string;
  readonly #port: number;
  readonly #secure: boolean;
  /** The Host field of every request to this origin. */
  readonly hostHeader: string;
  readonly idle: Connection[] = [];

  constructor(origin: string) {
    const url = new URL(origin);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`unsupported URL scheme ${url.protocol} (expected http: or https:)`);
    this.hostHeader = url.host;
    this.#secure = url.protocol === "https:";
    this.#host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    this.#port = url.port ? Number(url.port) : this.#secure ? 443 : 80;
  }

  dispatch(exchange: Exchange): void {
    const connection = this.idle.pop();
    if (connection) connection.send(exchange, performance.now(), true);
    else this.#open(exchange);
  }

  #open(exchange: Exchange): void {
    const startedAt = performance.now();
    // Plain TCP reads straight into one shared buffer (`onread`), skipping the stream machinery
    // a 'data' event costs per read; the bytes are copied out before the next read reuses it.
    let connection: Connection | undefined;
    const socket = this.#secure
      ? connectTls({ host: this.#host, port: this.#port, ALPNProtocols: ["http/1.1"], ...(isIP(this.#host) ? {} : { servername: this.#host }) })
      : connectTcp({ host: this.#host, port: this.#port, onread: { buffer: READ_BUFFER, callback: (size, buffer) => {
            connection!.receive(Buffer.from(buffer.subarray(0, size)));
            return true;
          } } });
    socket.setNoDelay(true);
    connection = new Connection(this, socket, exchange);
    if (this.#secure) socket.on("data", (chunk: Buffer) => connection.receive(chunk));
    socket.once("connect", () => {
      const connectedAt = performance.now();
      exchange.connectingMs = connectedAt - startedAt;
      if (!this.#secure) return connection.send(exchange, connectedAt, false);
      socket.once("secureConnect", () => {
        const secureAt = performance.now();
        exchange.tlsHandshakingMs = secureAt - connectedAt;
        connection.send(exchange, secureAt, false);
      });
    });
  }

  release(connection: Connection): void {
    this.idle.push(connection);
  }

  forget(connection: Connection): void {
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
  }

  retry(exchange: Exchange): void {
    exchange.retried = true;
    exchange.firstByteAt = 0;
    exchange.receivedBytes = 0;
    this.#open(exchange);
  }
}

const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const pools = new Map<string, Pool>();

function poolOf(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin);
    pools.set(origin, pool);
  }
  return pool;
}

/** One socket: at most one exchange at a time. */
class Connection {
  readonly #pool: Pool;
  readonly #socket: Socket;
  #exchange: Exchange | undefined;
  #reused = false;
  #timeoutMs = 0;
  #error: unknown;

  constructor(pool: Pool, socket: Socket, opening: Exchange) {
    this.#pool = pool;
    this.#socket = socket;
    this.#exchange = opening;
    opening.connection = this;
    socket.on("timeout", () => this.destroy(this.#exchange ? new TransportTimeoutError(`no response within ${this.#timeoutMs} ms`) : undefined));
    socket.on("error", (error) => (this.#error ??= error));
    socket.on("close", () => this.#onClose());
  }

  send(exchange: Exchange, connectedAt: number, reused: boolean): void {
    const socket = this.#socket;
    this.#exchange = exchange;
    this.#reused = reused;
    exchange.connection = this;
    exchange.connectedAt = connectedAt;
    if (reused) socket.ref();
    // The socket timeout follows the request's; re-arming it costs, so only when it changes.
    if (exchange.request.timeoutMs !== this.#timeoutMs) {
      this.#timeoutMs = exchange.request.timeoutMs;
      socket.setTimeout(this.#timeoutMs);
    }
    const { body } = exchange.request;
    if (body === undefined) socket.write(exchange.head);
    else if (typeof body === "string") socket.write(exchange.head + body);
    else {
      socket.cork();
      socket.write(exchange.head);
      socket.write(body);
      socket.uncork();
    }
    exchange.sentAt = performance.now();
    exchange.sentBytes = Buffer.byteLength(exchange.head) + (body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.length);
  }

  destroy(reason: unknown): void {
    if (reason !== undefined) this.#error = reason;
    this.#socket.destroy();
  }

  /** Bytes read from the socket. */
  receive(chunk: Buffer): void {
    const exchange = this.#exchange;
    // Bytes nobody asked for: the connection is out of step, so it goes.
    if (!exchange) return void this.#socket.destroy();
    if (exchange.firstByteAt === 0) exchange.firstByteAt = performance.now();
    exchange.receivedBytes += chunk.length;
    let parsed: ParsedResponse | undefined;
    try {
      parsed = exchange.parser.feed(chunk);
    } catch (error) {
      return this.destroy(error);
    }
    if (!parsed) return;
    const endedAt = performance.now();
    this.#exchange = undefined;
    if (parsed.keepAlive) {
      this.#socket.unref();
      this.#pool.release(this);
    } else this.#socket.destroy();
    exchange.complete(parsed, endedAt);
  }

  #onClose(): void {
    this.#pool.forget(this);
    const exchange = this.#exchange;
    this.#exchange = undefined;
    if (!exchange) return;
    const parsed = this.#error === undefined ? exchange.parser.end() : undefined;
    if (parsed) return exchange.complete(parsed, performance.now());
    const aborted = exchange.request.signal?.aborted;
    if (!aborted && this.#reused && exchange.receivedBytes === 0 && !exchange.retried && !(this.#error instanceof TransportTimeoutError) && RETRIABLE.has(exchange.request.method)) {
      return this.#pool.retry(exchange);
    }
    exchange.fail(aborted ? exchange.request.signal!.reason : (this.#error ?? new ConnectionClosedError("the server closed the connection before the response ended")));
  }
}
