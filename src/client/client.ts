import { randomBytes } from "node:crypto";
import { request as undiciRequest } from "undici";
import type { z } from "zod";
import { endpointName, fillTemplate, type Endpoint } from "./endpoint.ts";
import { endpoints } from "./endpoints.ts";
import { HomeserverUnreachableError, SchemaViolationError, UnexpectedResponseError } from "./errors.ts";
import { ExchangeLog, noteAssertion, recordTiming, type Exchange } from "./exchange.ts";
import { registerSecret } from "./redact.ts";
import { checkSchema, describeProblems } from "./schema-check.ts";
import { matrixError } from "./schemas/common.ts";
import type { SyncResponse } from "./schemas/sync.ts";
import { syncUntil, type SyncParams, type SyncPredicate, type SyncUntilOptions, type SyncUntilResult } from "./sync.ts";

export type { SyncParams } from "./sync.ts";

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface ClientOptions {
  baseUrl: string;
  accessToken?: string;
  userId?: string;
  deviceId?: string;
  /** Per-request timeout; long-polls add their poll duration to it. */
  timeoutMs?: number;
  /** Where every exchange of this client is recorded; shared by clients of one test. */
  log?: ExchangeLog;
}

export interface CallOptions {
  path?: Record<string, string>;
  /** More request header fields, e.g. the Origin a web client sends. */
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Send the access token (default: when the client has one). */
  auth?: boolean;
  timeoutMs?: number;
}

/** Header fields as plain strings, repeated fields joined. */
export function headerFields(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) fields[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  return fields;
}

/** A response whose status and JSON body have been checked against the endpoint's schemas. */
export interface MatrixResponse<T> {
  status: number;
  /** Response header fields, names in lower case. */
  headers: Record<string, string>;
  /** The JSON body; typed as the endpoint's success body, which it is only when `ok`. */
  body: T;
  ok: boolean;
  endpoint: string;
  exchange: Exchange;
}

export type CreateRoomRequest = {
  visibility?: "public" | "private";
  room_alias_name?: string;
  name?: string;
  topic?: string;
  invite?: string[];
  room_version?: string;
  creation_content?: Record<string, unknown>;
  initial_state?: { type: string; state_key?: string; content: Record<string, unknown> }[];
  preset?: "private_chat" | "public_chat" | "trusted_private_chat" | (string & {});
  is_direct?: boolean;
  power_level_content_override?: Record<string, unknown>;
};


export interface RawCallOptions {
  path?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  /** A request body sent as is, with its media type. */
  body?: Uint8Array;
  contentType?: string;
  auth?: boolean;
  timeoutMs?: number;
  /** Check error bodies as the standard error (default); off for static documents such as .well-known, whose error bodies go unchecked. */
  standardErrors?: boolean;
}

/** A response whose body may be anything (media); error bodies are still checked as standard errors. */
export interface RawResponse {
  status: number;
  ok: boolean;
  contentType: string;
  contentDisposition: string | undefined;
  bytes: Buffer;
  /** The body as JSON when the server said it was JSON. */
  json: unknown;
  endpoint: string;
  exchange: Exchange;
}

let txnCounter = 0;
const txnPrefix = randomBytes(4).toString("hex");

/** A transaction ID unique within this process (client-server-api/#transaction-identifiers). */
export function newTxnId(): string {
  txnCounter += 1;
  return `g${txnPrefix}-${txnCounter}`;
}

/**
 * A client-server API client: every request has a timeout, every response is checked against
 * its endpoint's schema, and the last exchanges are kept for failure messages (secrets masked).
 */
export class MatrixClient {
  readonly baseUrl: string;
  readonly userId: string;
  readonly deviceId: string | undefined;
  accessToken: string | undefined;
  readonly log: ExchangeLog;
  readonly timeoutMs: number;
  readonly #closing = new AbortController();

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.accessToken = options.accessToken;
    this.userId = options.userId ?? "";
    this.deviceId = options.deviceId;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.log = options.log ?? new ExchangeLog();
    registerSecret(options.accessToken);
  }

  /** Aborts requests still in flight (a long-poll left running by a failed test). */
  close(): void {
    this.#closing.abort(new Error("client closed"));
  }

  /** Another client for the same homeserver with different credentials, sharing the exchange log. */
  withCredentials(credentials: { accessToken?: string; userId?: string; deviceId?: string }): MatrixClient {
    return new MatrixClient({ baseUrl: this.baseUrl, timeoutMs: this.timeoutMs, log: this.log, ...credentials });
  }

  /** Performs one request; resolves for any HTTP status, rejects when there is no usable JSON answer or the body breaks its schema. */
  async call<S extends z.ZodType>(ep: Endpoint<S>, options: CallOptions = {}): Promise<MatrixResponse<z.infer<S>>> {
    let path = fillTemplate(ep.template, options.path ?? {});
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.set(key, String(value));
    if ([...query.keys()].length > 0) path += `?${query.toString()}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if ((options.auth ?? true) && this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const startedAt = Date.now();
    const exchange: Exchange = { method: ep.method, path, endpoint: endpointName(ep), startedAt, durationMs: 0 };
    if (options.body !== undefined) exchange.requestBody = options.body;
    this.log.add(exchange);

    let text: string;
    let responseHeaders: Record<string, string> = {};
    try {
      const response = await undiciRequest(`${this.baseUrl}${path}`, {
        method: ep.method,
        headers: { ...headers, ...options.headers },
        ...(payload !== undefined ? { body: payload } : {}),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#closing.signal]),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      exchange.status = response.statusCode;
      responseHeaders = headerFields(response.headers);
      const contentType = response.headers["content-type"];
      if (contentType) exchange.contentType = String(contentType);
      const bytes = await response.body.arrayBuffer();
      text = Buffer.from(bytes.byteLength > MAX_BODY_BYTES ? bytes.slice(0, MAX_BODY_BYTES) : bytes).toString("utf8");
    } catch (error) {
      exchange.durationMs = Date.now() - startedAt;
      const err = error as Error & { cause?: Error; code?: string };
      const detail = [err.name === "TimeoutError" || /aborted/i.test(err.message) ? `timeout after ${timeoutMs} ms` : err.message, err.code, err.cause?.message]
        .filter(Boolean)
        .join("; ");
      exchange.error = this.#closing.signal.aborted ? "aborted: client closed" : detail;
      throw new HomeserverUnreachableError(`${exchange.endpoint}: no answer from ${this.baseUrl}`, exchange, this.log.recent(3));
    }
    exchange.durationMs = Date.now() - startedAt;
    recordTiming(exchange.endpoint, exchange.durationMs, exchange.status);

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      exchange.responseText = text.slice(0, 2000);
      throw new HomeserverUnreachableError(`${exchange.endpoint}: expected a JSON body, got HTTP ${exchange.status} with ${text.length === 0 ? "an empty body" : "non-JSON text"}`, exchange, this.log.recent(3));
    }
    exchange.responseBody = body;
    const status = exchange.status ?? 0;
    const ok = status >= 200 && status < 300;
    const schema = ok ? ep.schema : status === 401 && ep.unauthorizedSchema ? ep.unauthorizedSchema : matrixError;
    const problems = checkSchema(schema, body);
    if (problems.length > 0) {
      const what = ok ? "the success body" : "the error body (client-server-api/#standard-error-response)";
      throw new SchemaViolationError(`${exchange.endpoint}: HTTP ${status}, ${what} violates the spec's schema:\n${describeProblems(problems)}`, exchange, this.log.recent(3));
    }
    return { status, headers: responseHeaders, body: body as z.infer<S>, ok, endpoint: exchange.endpoint, exchange };
  }

  /**
   * The CORS preflight a web browser sends before calling `ep` from a page at `origin`
   * (client-server-api/#web-browser-clients): status and header fields, no body checked.
   */
  async preflight(ep: Endpoint, options: { path?: Record<string, string>; origin?: string } = {}): Promise<{ status: number; headers: Record<string, string> }> {
    const response = await undiciRequest(`${this.baseUrl}${fillTemplate(ep.template, options.path ?? {})}`, {
      method: "OPTIONS",
      headers: {
        origin: options.origin ?? "https://client.example",
        "access-control-request-method": ep.method,
        "access-control-request-headers": "authorization, content-type",
      },
      signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.#closing.signal]),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    await response.body.arrayBuffer();
    return { status: response.statusCode, headers: headerFields(response.headers) };
  }

  /**
   * A request whose success body is not JSON (media download, thumbnail) or whose request body is
   * bytes (media upload): the content repository (client-server-api/#content-repository).
   */
  async raw(ep: Endpoint, options: RawCallOptions = {}): Promise<RawResponse> {
    let path = fillTemplate(ep.template, options.path ?? {});
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.set(key, String(value));
    if ([...query.keys()].length > 0) path += `?${query.toString()}`;
    const headers: Record<string, string> = {};
    if ((options.auth ?? true) && this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    if (options.body !== undefined) headers["content-type"] = options.contentType ?? "application/octet-stream";
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const startedAt = Date.now();
    const exchange: Exchange = { method: ep.method, path, endpoint: endpointName(ep), startedAt, durationMs: 0 };
    if (options.body !== undefined) exchange.requestBody = `<${options.body.byteLength} bytes of ${headers["content-type"]}>`;
    this.log.add(exchange);
    let bytes: Buffer;
    let contentType = "";
    let contentDisposition: string | undefined;
    try {
      const response = await undiciRequest(`${this.baseUrl}${path}`, {
        method: ep.method,
        headers,
        ...(options.body !== undefined ? { body: options.body } : {}),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#closing.signal]),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      exchange.status = response.statusCode;
      contentType = String(response.headers["content-type"] ?? "");
      const disposition = response.headers["content-disposition"];
      if (disposition !== undefined) contentDisposition = String(disposition);
      exchange.contentType = contentType;
      const body = await response.body.arrayBuffer();
      bytes = Buffer.from(body.byteLength > MAX_BODY_BYTES ? body.slice(0, MAX_BODY_BYTES) : body);
    } catch (error) {
      exchange.durationMs = Date.now() - startedAt;
      exchange.error = this.#closing.signal.aborted ? "aborted: client closed" : (error as Error).message;
      throw new HomeserverUnreachableError(`${exchange.endpoint}: no answer from ${this.baseUrl}`, exchange, this.log.recent(3));
    }
    exchange.durationMs = Date.now() - startedAt;
    recordTiming(exchange.endpoint, exchange.durationMs, exchange.status);
    const status = exchange.status ?? 0;
    const ok = status >= 200 && status < 300;
    let json: unknown;
    if (/json/i.test(contentType)) {
      try {
        json = JSON.parse(bytes.toString("utf8"));
      } catch {
        throw new SchemaViolationError(`${exchange.endpoint}: HTTP ${status} says application/json but the body is not JSON`, exchange, this.log.recent(3));
      }
      exchange.responseBody = json;
    } else {
      exchange.responseText = `<${bytes.byteLength} bytes of ${contentType || "unknown type"}>`;
    }
    if (!ok && options.standardErrors !== false) {
      // Errors are JSON even on binary endpoints: client-server-api/#standard-error-response.
      const problems = checkSchema(status === 401 && ep.unauthorizedSchema ? ep.unauthorizedSchema : matrixError, json);
      if (problems.length > 0) throw new SchemaViolationError(`${exchange.endpoint}: HTTP ${status}, the error body violates the spec's schema:\n${describeProblems(problems)}`, exchange, this.log.recent(3));
    } else if (ok && json !== undefined) {
      const problems = checkSchema(ep.schema, json);
      if (problems.length > 0) throw new SchemaViolationError(`${exchange.endpoint}: HTTP ${status}, the success body violates the spec's schema:\n${describeProblems(problems)}`, exchange, this.log.recent(3));
    }
    return { status, ok, contentType, contentDisposition, bytes, json, endpoint: exchange.endpoint, exchange };
  }

  /** The body of a response that must have `status`, else a failure naming the request and response. */
  must<T>(response: MatrixResponse<T>, status = 200): T {
    if (response.status !== status) {
      const errcode = (response.body as { errcode?: unknown } | undefined)?.errcode;
      throw new UnexpectedResponseError(
        `${response.endpoint}: expected HTTP ${status}, got ${response.status}${typeof errcode === "string" ? ` ${errcode}` : ""}`,
        response.exchange,
        this.log.recent(3),
      );
    }
    noteAssertion(response.exchange, status);
    return response.body;
  }

  // Helpers for what tests do on the way to what they check: each must succeed and returns what the
  // test needs next. Requests a test checks go through `call(endpoints.x, ...)`.

  /** Logs in with the password stage (client-server-api/#password-based); the password is masked in reports. */
  loginWithPassword(user: string, password: string, extra: Record<string, unknown> = {}) {
    registerSecret(password);
    return this.call(endpoints.login, { body: { type: "m.login.password", identifier: { type: "m.id.user", user }, password, ...extra }, auth: false });
  }
  async mustCreateRoom(body: CreateRoomRequest = {}): Promise<string> {
    return this.must(await this.call(endpoints.createRoom, { body })).room_id;
  }
  async mustJoinRoom(roomIdOrAlias: string): Promise<string> {
    return this.must(await this.call(endpoints.join, { path: { roomIdOrAlias }, body: {} })).room_id;
  }
  /** Joins through a resident server the user's homeserver asks (`via`, client-server-api/#post_matrixclientv3joinroomidoralias). */
  async mustJoinVia(roomIdOrAlias: string, server: string): Promise<string> {
    return this.must(await this.call(endpoints.join, { path: { roomIdOrAlias }, query: { via: server }, body: {} })).room_id;
  }
  async mustLeaveRoom(roomId: string): Promise<void> {
    this.must(await this.call(endpoints.leave, { path: { roomId }, body: {} }));
  }
  async mustInvite(roomId: string, userId: string): Promise<void> {
    this.must(await this.call(endpoints.invite, { path: { roomId }, body: { user_id: userId } }));
  }
  async mustSendMessage(roomId: string, body: string, txnId = newTxnId()): Promise<string> {
    return this.must(await this.call(endpoints.sendEvent, { path: { roomId, eventType: "m.room.message", txnId }, body: { msgtype: "m.text", body } })).event_id;
  }
  async mustSendState(roomId: string, eventType: string, stateKey: string, content: Record<string, unknown>): Promise<string> {
    return this.must(await this.call(endpoints.sendState, { path: { roomId, eventType, stateKey }, body: content })).event_id;
  }

  // Sync: client-server-api/#syncing, #filtering
  async mustSync(params: SyncParams = {}): Promise<SyncResponse> {
    const filter = typeof params.filter === "object" ? JSON.stringify(params.filter) : params.filter;
    const response = await this.call(endpoints.sync, {
      query: { since: params.since, timeout: params.timeout, filter, full_state: params.full_state },
      timeoutMs: this.timeoutMs + (params.timeout ?? 0),
    });
    return this.must(response);
  }
  /** Long-polls /sync until `predicate` holds; see `syncUntil`. */
  syncUntil(predicate: SyncPredicate, options: SyncUntilOptions = {}): Promise<SyncUntilResult> {
    return syncUntil(this, predicate, options);
  }
}
