// The `k6/http` module for the node engine: the async request API on its own HTTP/1.1
// transport. The synchronous calls would block every VU of the shared event loop, so they
// throw and name the async form.
import type { Metric } from "../metrics/registry.ts";
import { parseDuration } from "../options/duration.ts";
import { currentIteration } from "../runtime/iteration-context.ts";
import { ConnectionClosedError, send, TransportTimeoutError, type TransportResponse } from "./http-transport.ts";
import type { TestRun } from "../runtime/test-run.ts";
import { currentTestRun } from "../runtime/test-run.ts";

type ResponseType = "text" | "binary" | "none";
type RequestBody = string | ArrayBuffer | Record<string, string> | null | undefined;
type ExpectedStatusesCallback = { readonly expected: (status: number) => boolean };

interface Params {
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  timeout?: string | number;
  responseType?: ResponseType;
  responseCallback?: ExpectedStatusesCallback | null;
  redirects?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const USER_AGENT = "gauntlet-node-engine (k6-compatible)";
let responseCallback: ExpectedStatusesCallback = expectedStatuses({ min: 200, max: 399 });

/** A k6 response: status, body, headers with canonical names, timings in ms, json(). */
export class Response {
  status: number;
  status_text: string;
  body: string | ArrayBuffer | null;
  headers: Record<string, string>;
  timings: {
    blocked: number;
    connecting: number;
    tls_handshaking: number;
    sending: number;
    waiting: number;
    receiving: number;
    duration: number;
  };
  url: string;
  error: string;
  error_code: number;
  request: { method: string; url: string; body: string; headers: Record<string, string[]> };
  proto = "HTTP/1.1";
  remote_ip = "";
  remote_port = 0;
  cookies: Record<string, never[]> = {};

  constructor(init: Omit<Response, "json" | "html" | "proto" | "remote_ip" | "remote_port" | "cookies" | "clickLink" | "submitForm">) {
    this.status = init.status;
    this.status_text = init.status_text;
    this.body = init.body;
    this.headers = init.headers;
    this.timings = init.timings;
    this.url = init.url;
    this.error = init.error;
    this.error_code = init.error_code;
    this.request = init.request;
  }

  /** The body parsed as JSON; a dotted `selector` (`a.b.0`) picks a part, as k6's gjson paths do for simple keys. */
  json(selector?: string): unknown {
    if (typeof this.body !== "string") {
      throw new Error(`response from ${this.url} has no text body to parse as JSON (responseType is not "text")`);
    }
    let value: unknown;
    try {
      value = JSON.parse(this.body);
    } catch {
      throw new Error(`response from ${this.url} (status ${this.status}) is not JSON: ${this.body.slice(0, 200)}`);
    }
    if (!selector) return value;
    for (const key of selector.split(".")) {
      if (value === null || typeof value !== "object") return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  }

  html(): never {
    throw new Error("response.html() is not available in the node engine; parse the body yourself or run with --engine k6");
  }
  clickLink(): never {
    throw new Error("response.clickLink() is not available in the node engine; run with --engine k6");
  }
  submitForm(): never {
    throw new Error("response.submitForm() is not available in the node engine; run with --engine k6");
  }
}

/** Sends one request; the node engine's only way to speak HTTP, and k6 runs it too. */
export async function asyncRequest(
  method: string,
  url: string | { url: string },
  body?: RequestBody,
  params?: Params | null,
): Promise<Response> {
  const run = currentTestRun();
  const context = currentIteration();
  const m = run.metrics;
  const target = typeof url === "string" ? url : url.url;
  const verb = method.toUpperCase();
  const headers: Record<string, string> = { "user-agent": USER_AGENT };
  const given = params?.headers;
  if (given) for (const name in given) headers[name.toLowerCase()] = given[name]!;
  const payload = encodeBody(body, headers);
  const timeoutMs = params?.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(params.timeout);
  const responseType = params?.responseType ?? "text";

  // The first request of an iteration that started late carries the lateness as time blocked.
  const lagMs = context ? context.schedule.lagMs : 0;
  if (context) context.schedule.lagMs = 0;

  const address = splitUrl(target);
  if (!address) return failed(verb, target, 1020, `"${target}" is not a valid URL`, lagMs);
  const startedAt = performance.now();
  let status = 0;
  let statusText = "";
  let responseHeaders: Record<string, string> = {};
  let responseBody: string | ArrayBuffer | null = null;
  let error = "";
  let errorCode = 0;
  let response: TransportResponse | undefined;
  try {
    response = await send({ origin: address.origin, path: address.path, method: verb, headers, body: payload, signal: context?.signal, timeoutMs });
    status = response.status;
    responseHeaders = canonicalHeaders(response.headers);
    if (responseType === "binary") {
      const { buffer, byteOffset, byteLength } = response.body;
      responseBody = buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
    } else if (responseType !== "none") {
      responseBody = response.body.toString("utf8");
    }
    statusText = `${status}`;
  } catch (cause) {
    [errorCode, error] = classifyError(cause, timeoutMs);
    if (context?.signal?.aborted) throw cause;
  }
  const timings = response ? measuredTimings(response, startedAt, lagMs) : failedTimings(startedAt, lagMs);
  const expected = status !== 0 && (params?.responseCallback ?? responseCallback).expected(status);
  const sentBytes = response?.sentBytes ?? 0;
  const receivedBytes = response?.receivedBytes ?? 0;

  const tags = taggingNeeded(run)
    ? {
        ...context?.tags,
        method: verb,
        url: target,
        name: target,
        status: String(status),
        expected_response: String(expected),
        ...params?.tags,
      }
    : undefined;
  const registry = run.registry;
  registry.add(m.httpReqs, 1, tags);
  registry.add(m.httpReqFailed, expected ? 0 : 1, tags);
  registry.add(m.httpReqDuration, timings.duration, tags);
  registry.add(m.httpReqBlocked, timings.blocked, tags);
  registry.add(m.httpReqConnecting, timings.connecting, tags);
  registry.add(m.httpReqTlsHandshaking, timings.tls_handshaking, tags);
  registry.add(m.httpReqSending, timings.sending, tags);
  registry.add(m.httpReqWaiting, timings.waiting, tags);
  registry.add(m.httpReqReceiving, timings.receiving, tags);
  registry.add(m.dataSent, sentBytes, tags);
  registry.add(m.dataReceived, receivedBytes, tags);

  return new Response({
    status,
    status_text: statusText,
    body: responseBody,
    headers: responseHeaders,
    timings,
    url: target,
    error,
    error_code: errorCode,
    request: {
      method: verb,
      url: target,
      body: typeof payload === "string" ? payload : "",
      // Built only when a script reads it: most never do, and it is per request.
      get headers() {
        return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
      },
    },
  });
}

/**
 * k6's timing points: `blocked` is the wait before a connection (here also the iteration's
 * lateness against its schedule), then connecting and TLS for a new connection; `duration` is
 * sending + waiting + receiving, from the ready connection to the last byte, as k6 defines it,
 * so a metric means the same on both engines. The lateness stays visible in `blocked` and in
 * `iteration_duration` (measured from the due time).
 */
function measuredTimings(response: TransportResponse, startedAt: number, lagMs: number): Response["timings"] {
  const sending = response.sentAt - response.connectedAt;
  const waiting = response.firstByteAt - response.sentAt;
  const receiving = response.endedAt - response.firstByteAt;
  const queued = response.connectedAt - startedAt - response.connectingMs - response.tlsHandshakingMs;
  return {
    blocked: lagMs + Math.max(0, queued),
    connecting: response.connectingMs,
    tls_handshaking: response.tlsHandshakingMs,
    sending,
    waiting,
    receiving,
    duration: sending + waiting + receiving,
  };
}

function failedTimings(startedAt: number, lagMs: number): Response["timings"] {
  const elapsed = performance.now() - startedAt;
  return { blocked: lagMs, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: elapsed, duration: elapsed };
}

// Scripts send many requests to one origin: the origin is checked once with URL, the rest is a split.
const SIMPLE_URL = /^(https?:\/\/[^/?#@\s\\]+)([/?][^#\s\\]*)?$/;
const validOrigins = new Map<string, boolean>();

function splitUrl(target: string): { origin: string; path: string } | undefined {
  const simple = SIMPLE_URL.exec(target);
  if (simple) {
    const origin = simple[1]!;
    let valid = validOrigins.get(origin);
    if (valid === undefined) {
      valid = URL.canParse(origin) && new URL(origin).origin === origin;
      if (validOrigins.size < 1000) validOrigins.set(origin, valid);
    }
    if (valid) {
      const rest = simple[2] ?? "/";
      return { origin, path: rest.startsWith("?") ? `/${rest}` : rest };
    }
  }
  if (!URL.canParse(target)) return undefined;
  const parsed = new URL(target);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

function failed(method: string, url: string, code: number, message: string, lagMs: number): Response {
  return new Response({
    status: 0,
    status_text: "",
    body: null,
    headers: {},
    timings: { blocked: lagMs, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: lagMs },
    url,
    error: message,
    error_code: code,
    request: { method, url, body: "", headers: {} },
  });
}

// Tag objects cost an allocation per request; only submetrics (tagged thresholds) read them.
// Thresholds, and so submetrics, are fixed before setup() sends the first request.
let taggingDecided: { run: TestRun; needed: boolean } | undefined;

function taggingNeeded(run: TestRun): boolean {
  if (taggingDecided?.run !== run) taggingDecided = { run, needed: anySubmetric(run) };
  return taggingDecided.needed;
}

function anySubmetric(run: TestRun): boolean {
  const m = run.metrics;
  const recorded: Metric[] = [
    m.httpReqs, m.httpReqFailed, m.httpReqDuration, m.httpReqBlocked, m.httpReqConnecting, m.httpReqTlsHandshaking,
    m.httpReqSending, m.httpReqWaiting, m.httpReqReceiving, m.dataSent, m.dataReceived,
  ];
  return recorded.some((metric) => metric.submetrics.length > 0);
}

function encodeBody(body: RequestBody, headers: Record<string, string>): string | Buffer | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  headers["content-type"] ??= "application/x-www-form-urlencoded";
  return new URLSearchParams(body).toString();
}

// k6 (Go) presents header names in canonical form: "content-type" becomes "Content-Type".
// Responses repeat the same few names, so each is converted once.
const canonicalNames = new Map<string, string>();

function canonicalHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined) continue;
    let canonical = canonicalNames.get(name);
    if (canonical === undefined) {
      canonical = name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
      if (canonicalNames.size < 1000) canonicalNames.set(name, canonical);
    }
    headers[canonical] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

// k6's error codes for the common failures (1050 timeout, 1210 refused, 1220 reset).
function classifyError(cause: unknown, timeoutMs: number): [number, string] {
  if (cause instanceof TransportTimeoutError) {
    return [1050, `request timeout after ${timeoutMs} ms`];
  }
  const code = (cause as { code?: string }).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (code === "ECONNREFUSED") return [1210, `connection refused: ${message}`];
  if (code === "ECONNRESET" || cause instanceof ConnectionClosedError) return [1220, `connection reset: ${message}`];
  return [1000, message];
}

/** Which statuses count as expected for http_req_failed: numbers or `{min, max}` ranges. */
export function expectedStatuses(...statuses: (number | { min: number; max: number })[]): ExpectedStatusesCallback {
  return {
    expected: (status) =>
      statuses.some((s) => (typeof s === "number" ? s === status : status >= s.min && status <= s.max)),
  };
}

export function setResponseCallback(callback: ExpectedStatusesCallback): void {
  responseCallback = callback;
}

/** k6's tagged-template URL: the `name` tag of requests built with it groups them. */
export function url(strings: TemplateStringsArray, ...values: unknown[]): { url: string; name: string } {
  let built = strings[0] ?? "";
  let name = strings[0] ?? "";
  values.forEach((value, index) => {
    built += String(value) + (strings[index + 1] ?? "");
    name += "${}" + (strings[index + 1] ?? "");
  });
  return { url: built, name };
}

function synchronousCall(call: string, method: string): () => never {
  return () => {
    throw new Error(
      `http.${call}() is synchronous, and the node engine runs every VU on one event loop, so it cannot ` +
        `block one of them. Use the async form, which k6 runs too: ` +
        `\`await http.asyncRequest("${method}", url, body, params)\` inside an async function.`,
    );
  };
}

export const get = synchronousCall("get", "GET");
export const post = synchronousCall("post", "POST");
export const put = synchronousCall("put", "PUT");
export const patch = synchronousCall("patch", "PATCH");
export const del = synchronousCall("del", "DELETE");
export const head = synchronousCall("head", "HEAD");
export const options = synchronousCall("options", "OPTIONS");
export const request = synchronousCall("request", "METHOD");
export const batch = synchronousCall("batch", "GET");

export function file(): never {
  throw new Error("http.file() is not available in the node engine; send the bytes as an ArrayBuffer body");
}
export function cookieJar(): never {
  throw new Error("http.cookieJar() is not available in the node engine; set the Cookie header yourself");
}

export default {
  asyncRequest,
  expectedStatuses,
  setResponseCallback,
  url,
  get,
  post,
  put,
  patch,
  del,
  head,
  options,
  request,
  batch,
  file,
  cookieJar,
};
