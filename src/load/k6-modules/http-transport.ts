// The node engine's HTTP transport: undici's dispatcher with a handler that collects the body
// into one buffer. undici's `request()` would wrap every response in a Readable stream and an
// abort listener, which cost more than the request itself at thousands of requests per second.
import type { IncomingHttpHeaders } from "node:http";
import { Agent } from "undici";
import type { Dispatcher } from "undici";

// One agent for the process: keep-alive connections, as many per origin as VUs need.
const agent = new Agent({ keepAliveTimeout: 60_000, connections: null, pipelining: 1 });

export interface TransportRequest {
  readonly origin: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer | undefined;
  /** Aborts the request (the iteration was interrupted). */
  readonly signal: AbortSignal | undefined;
  /** Deadline for the response headers, and between body chunks, as k6's `timeout`. */
  readonly timeoutMs: number;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** performance.now() when the response headers arrived. */
  readonly headersAt: number;
}

const EMPTY = Buffer.alloc(0);

/** Sends one request and resolves with the whole response; rejects with undici's error or the abort reason. */
export function send(request: TransportRequest): Promise<TransportResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = request;
    if (signal?.aborted) return reject(signal.reason);
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let headersAt = 0;
    let chunks: Buffer[] | undefined;
    const onAbort = (): void => controller?.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const settle = (): void => signal?.removeEventListener("abort", onAbort);
    agent.dispatch(
      {
        origin: request.origin,
        path: request.path,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body ?? null,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      },
      {
        onRequestStart(started) {
          controller = started;
          if (signal?.aborted) started.abort(signal.reason);
        },
        onResponseStart(_controller, statusCode, responseHeaders) {
          status = statusCode;
          headers = responseHeaders;
          headersAt = performance.now();
        },
        onResponseData(_controller, chunk) {
          (chunks ??= []).push(chunk);
        },
        onResponseEnd() {
          settle();
          const body = chunks === undefined ? EMPTY : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          resolve({ status, headers, body, headersAt });
        },
        onResponseError(_controller, error) {
          settle();
          reject(error);
        },
      },
    );
  });
}
