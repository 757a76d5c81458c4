import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { TLSSocket } from "node:tls";
import { DeadlineReached, RunDeadline } from "./deadline.ts";
import type { ConnectTarget, Resolver } from "./resolver.ts";

export interface TlsDetails {
  authorized: boolean;
  authorizationError?: string;
  protocol: string | null;
  subjectAltName?: string;
  validTo?: string;
  issuer?: string;
}

export interface HttpResponse {
  method: string;
  /** The URL asked for (after redirects, the last one). */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  elapsedMs: number;
  connectedTo: ConnectTarget;
  tls?: TlsDetails;
  /** Every URL that answered with a redirect on the way, in order. */
  redirects: string[];
  /** Why redirects stopped being followed although the last answer is a redirect: a loop, or too many hops. */
  redirectProblem?: string;
  /** Body bytes received (also when the body was discarded). */
  bodyBytes: number;
}

export interface HttpRequest {
  method?: "GET" | "HEAD" | "OPTIONS" | "POST" | "PUT";
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is, with this content type (uploads). */
  raw?: { data: Buffer; contentType: string };
  /** Keep only this many bytes of the body and count the rest (0: keep none), for bodies that may exceed the limit. */
  keepBodyBytes?: number;
  /** Clean-up that must still happen after the run's deadline (logout): allowed, with at most 2 s. */
  afterDeadline?: boolean;
  /** Follow up to this many redirects (GET only). */
  followRedirects?: number;
  /** Connect here instead of resolving the URL's host (federation after server discovery). */
  target?: ConnectTarget;
  /** TLS server name when it differs from the URL's host (federation: the delegated name). */
  tlsServerName?: string;
  /**
   * Refuse certificates the CA list does not vouch for. Off by default: the TLS checks judge
   * certificates, and the other checks still read the content behind a bad one.
   */
  verifyTls?: boolean;
}

/** The request could not be completed: DNS, TCP, TLS or timeout, with the step that failed. */
export class HttpFailure extends Error {
  readonly url: string;
  /** The server accepted the request but did not finish its answer in time (it hung or trickled). */
  readonly stalled: boolean;
  constructor(url: string, message: string, stalled = false) {
    super(message);
    this.name = "HttpFailure";
    this.url = url;
    this.stalled = stalled;
  }
}

/** The exchange was cut at its time limit after the connection was up. */
class StalledAnswer extends Error {}

const MAX_BODY_BYTES = 1_048_576;

/**
 * A small HTTP(S) client that resolves through the verifier's resolver, trusts only the given
 * CA bundle, counts every request, and has hard limits on requests, body size and time: each
 * request (connect, TLS, headers and body together) ends after `timeoutMs` or at the run's
 * deadline, whichever comes first, however slowly the server trickles its answer.
 */
export class HttpClient {
  readonly #resolver: Resolver;
  readonly #ca: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxRequests: number;
  readonly #deadline: RunDeadline;
  readonly log: { method: string; url: string; status: number | "error" }[] = [];

  constructor(options: { resolver: Resolver; caPem?: string; timeoutMs: number; maxRequests?: number; deadline?: RunDeadline }) {
    this.#resolver = options.resolver;
    this.#ca = options.caPem;
    this.#timeoutMs = options.timeoutMs;
    this.#maxRequests = options.maxRequests ?? 150;
    this.#deadline = options.deadline ?? new RunDeadline(Number.POSITIVE_INFINITY);
  }

  get requestCount(): number {
    return this.log.length;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const redirects: string[] = [];
    let url = req.url;
    const limit = req.followRedirects ?? 0;
    for (let hop = 0; ; hop++) {
      const response = await this.#once({ ...req, url }, redirects);
      const location = response.headers.location;
      const redirectable = [301, 302, 303, 307, 308].includes(response.status) && location && (req.method ?? "GET") === "GET";
      if (!redirectable || limit === 0) return response;
      const next = new URL(location, url).toString();
      // A URL seen before means the redirects go round in a circle: following further only repeats it.
      const seen = [...redirects, url];
      if (seen.includes(next)) return { ...response, redirectProblem: `redirect loop: ${[...seen.slice(seen.indexOf(next)), next].join(" -> ")}` };
      if (hop >= limit) return { ...response, redirectProblem: `more than ${limit} redirects (last: ${url} -> ${next})` };
      redirects.push(url);
      url = next;
      // A redirect lands on another host: resolve it afresh.
      req = { ...req, target: undefined, tlsServerName: undefined };
    }
  }

  async #once(req: HttpRequest, redirects: string[]): Promise<HttpResponse> {
    if (this.log.length >= this.#maxRequests) throw new HttpFailure(req.url, `request budget of ${this.#maxRequests} exhausted`);
    if (this.#deadline.expired && !req.afterDeadline) throw new HttpFailure(req.url, new DeadlineReached(this.#deadline, `${req.method ?? "GET"} ${req.url}`).message);
    const method = req.method ?? "GET";
    const url = new URL(req.url);
    const secure = url.protocol === "https:";
    const port = url.port ? Number(url.port) : secure ? 443 : 80;
    let targets: ConnectTarget[];
    try {
      targets = req.target ? [req.target] : await this.#resolver.connectTargets(url.hostname, port);
    } catch (error) {
      this.log.push({ method, url: req.url, status: "error" });
      throw new HttpFailure(req.url, `cannot resolve ${url.hostname}: ${(error as Error).message}`);
    }
    let lastError: Error | undefined;
    // Bounded: at most three addresses are tried per request.
    for (const target of targets.slice(0, 3)) {
      this.log.push({ method, url: req.url, status: "error" });
      const entry = this.log[this.log.length - 1]!;
      try {
        const response = await this.#send(method, url, secure, target, req);
        entry.status = response.status;
        return { ...response, redirects };
      } catch (error) {
        lastError = error as Error;
      }
    }
    throw new HttpFailure(req.url, lastError?.message ?? "no address to connect to", lastError instanceof StalledAnswer);
  }

  #send(method: string, url: URL, secure: boolean, target: ConnectTarget, req: HttpRequest): Promise<Omit<HttpResponse, "redirects">> {
    const body = req.raw?.data ?? (req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json)));
    const headers: Record<string, string> = { "user-agent": "gauntlet-verify", accept: "application/json", ...req.headers };
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "host")) headers.host = url.host;
    if (body) {
      headers["content-type"] = req.raw?.contentType ?? "application/json";
      headers["content-length"] = String(body.length);
    }
    const budget = req.afterDeadline && this.#deadline.expired ? { ms: Math.min(this.#timeoutMs, 2000), cutByRun: false } : this.#deadline.budget(this.#timeoutMs);
    const servername = (req.tlsServerName ?? url.hostname).replace(/^\[|\]$/g, "");
    const started = performance.now();
    const where = `${target.address.includes(":") ? `[${target.address}]` : target.address}:${target.port}`;
    return new Promise((resolve, reject) => {
      const options = {
        host: target.address,
        port: target.port,
        method,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: false as const,
        ...(secure
          ? {
              // SNI is never sent for IP literals (RFC 6066 section 3).
              ...(/^[\d.]+$|:/.test(servername) ? {} : { servername }),
              ...(this.#ca ? { ca: this.#ca } : {}),
              rejectUnauthorized: req.verifyTls === true,
              ...(req.verifyTls ? {} : { checkServerIdentity: () => undefined }),
            }
          : {}),
      };
      let size = 0;
      let connected = false;
      let headersAfterMs: number | undefined;
      // Why the verifier cut the exchange, which wins over the socket error that the cut causes.
      let stopReason: Error | undefined;
      const stop = (reason: Error) => {
        stopReason ??= reason;
        request.destroy(reason);
      };
      // One timer for the whole exchange: an idle timeout would let a server that trickles a byte at a time hold the run.
      const timer = setTimeout(() => {
        const got = headersAfterMs === undefined ? "no response headers" : `headers after ${Math.round(headersAfterMs)} ms, then ${size} body bytes`;
        const message = `no complete answer from ${where} within ${this.#deadline.describe(budget.ms, budget.cutByRun)} (${got})`;
        stop(connected ? new StalledAnswer(message) : new Error(message));
      }, budget.ms);
      const fail = (reason: string) => {
        clearTimeout(timer);
        reject(stopReason ?? new Error(reason));
      };
      const request = (secure ? httpsRequest : httpRequest)(options, (response) => {
        headersAfterMs = performance.now() - started;
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => {
          const kept = size;
          size += chunk.length;
          if (req.keepBodyBytes !== undefined) {
            if (kept < req.keepBodyBytes) chunks.push(chunk.subarray(0, req.keepBodyBytes - kept));
          } else if (size > MAX_BODY_BYTES) stop(new Error(`body larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        response.on("end", () => {
          clearTimeout(timer);
          const socket = response.socket as TLSSocket;
          let tls: TlsDetails | undefined;
          if (secure && typeof socket.getPeerCertificate === "function") {
            const cert = socket.getPeerCertificate();
            tls = {
              authorized: socket.authorized,
              ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
              protocol: socket.getProtocol(),
              ...(cert?.subjectaltname ? { subjectAltName: cert.subjectaltname } : {}),
              ...(cert?.valid_to ? { validTo: cert.valid_to } : {}),
              ...(cert?.issuer?.CN ? { issuer: String(cert.issuer.CN) } : {}),
            };
          }
          resolve({
            method,
            url: url.toString(),
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            elapsedMs: performance.now() - started,
            connectedTo: target,
            bodyBytes: size,
            ...(tls ? { tls } : {}),
          });
        });
        response.on("error", (error) => fail(`${where}: ${error.message}`));
      });
      request.on("error", (error: NodeJS.ErrnoException) => fail(error.code === "ECONNREFUSED" ? `connection refused by ${where}` : `${where}: ${error.message}`));
      // Connected means the TCP (and TLS) handshake completed: a cut after that is a server that stalls, not one that is unreachable.
      request.once("socket", (socket) => socket.once(secure ? "secureConnect" : "connect", () => (connected = true)));
      if (body) request.write(body);
      request.end();
    });
  }
}

/** Parses a JSON object body; `undefined` when the body is not a JSON object. */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
