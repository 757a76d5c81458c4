import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createHash, timingSafeEqual } from "node:crypto";
import { Recorder } from "../recording/recorder.ts";
import { APPSERVICE_PROTOCOL, type AppserviceRegistration } from "./registration.ts";

/** A request the homeserver made to the application service, as the service saw it. */
export interface AppserviceRequest {
  method: string;
  /** The path as sent (still percent-encoded), without the query. */
  path: string;
  /** The query parameters, `access_token` left out. */
  query: Record<string, string>;
  /** The parsed JSON body; undefined when there was none or it was not JSON. */
  body: unknown;
  /** True when the request carried the registration's hs_token. */
  authorized: boolean;
  /** Where the token came from: the Authorization header (spec v1.4 on), the deprecated query parameter, or nowhere. */
  credentials: "header" | "query" | "none";
  status: number;
  at: number;
}

export type ExistenceQuery = (id: string) => boolean | Promise<boolean>;

export interface ApplicationServiceOptions {
  /** How long `listen` keeps retrying while the port is in use; 60 s by default. */
  busyWaitMs?: number;
  onUserQuery?: ExistenceQuery;
  onRoomQuery?: ExistenceQuery;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> };
type Handler = (request: { params: string[]; query: Record<string, string>; body: unknown }) => Reply | Promise<Reply>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const APP_V1 = "/_matrix/app/v1";
const MAX_BODY_BYTES = 10 * 2 ** 20;
const BUSY_RETRY_MS = 200;

function matrixError(status: number, errcode: string, error: string, headers?: Record<string, string>): Reply {
  return { status, body: { errcode, error }, ...(headers ? { headers } : {}) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "no body";
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
function sameToken(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The body, or "too-large" once it passes the limit (the rest is drained and dropped). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > limit) {
      req.resume();
      return resolve("too-large");
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return resolve("too-large");
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

function portOf(url: string): number {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`the registration url "${url}" is not a URL; expected http://127.0.0.1:<port>`);
  }
  const port = Number(parsed.port);
  if (parsed.protocol !== "http:" || !parsed.port || !Number.isInteger(port)) {
    throw new Error(`the registration url "${url}" names no explicit http port; expected http://127.0.0.1:<port> (newAppserviceRegistration makes one)`);
  }
  return port;
}

function bind(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** A spec Protocol (application service API, "GET /thirdparty/protocol") for the harness's network. */
function defaultProtocol(): Record<string, unknown> {
  return {
    user_fields: ["username"],
    location_fields: ["channel"],
    icon: "mxc://gauntlet.invalid/protocol-icon",
    field_types: {
      username: { regexp: "[a-z0-9_.-]+", placeholder: "alice" },
      channel: { regexp: "#[a-z0-9_.-]+", placeholder: "#general" },
    },
    instances: [
      {
        network_id: "gauntlet-net",
        desc: "Gauntlet test network",
        icon: "mxc://gauntlet.invalid/network-icon",
        fields: { network: "gauntlet-net" },
      },
    ],
  };
}

/** True when every query parameter equals the entry's field of that name. */
function fieldsMatch(entry: Record<string, unknown>, query: Record<string, string>): boolean {
  const fields = isObject(entry["fields"]) ? entry["fields"] : {};
  return Object.entries(query).every(([name, value]) => fields[name] !== undefined && String(fields[name]) === value);
}

/**
 * An in-process application service: it receives transactions, answers user, alias and
 * third-party queries, and records every request the homeserver under test makes.
 */
export class ApplicationService {
  readonly registration: AppserviceRegistration;
  /** The protocol object for APPSERVICE_PROTOCOL that third-party protocol lookups return. */
  protocol: Record<string, unknown> = defaultProtocol();
  /** Third-party locations (`{alias, protocol, fields}`) that location lookups search. */
  locations: Record<string, unknown>[] = [];
  /** Third-party users (`{userid, protocol, fields}`) that user lookups search. */
  users: Record<string, unknown>[] = [];
  /** Answers GET /users/{userId}: true once the user exists. Without it every user is unknown. */
  onUserQuery: ExistenceQuery | undefined;
  /** Answers GET /rooms/{roomAlias}: true once the alias exists. Without it every alias is unknown. */
  onRoomQuery: ExistenceQuery | undefined;
  readonly #requests = new Recorder<AppserviceRequest>();
  readonly #events = new Recorder<Record<string, unknown>>();
  readonly #txnIds = new Set<string>();
  readonly #routes: Route[] = [];
  #server: Server | undefined;
  #closed = false;

  private constructor(registration: AppserviceRegistration, options: ApplicationServiceOptions) {
    this.registration = registration;
    this.onUserQuery = options.onUserQuery;
    this.onRoomQuery = options.onRoomQuery;
    this.#defaultRoutes();
  }

  /**
   * Listens on 127.0.0.1 at the registration URL's port. While the port is in use (another
   * test file may hold the same homeserver's application service) it retries every 200 ms
   * until `busyWaitMs` has passed.
   */
  static async listen(registration: AppserviceRegistration, options: ApplicationServiceOptions = {}): Promise<ApplicationService> {
    const port = portOf(registration.url);
    const service = new ApplicationService(registration, options);
    const busyWaitMs = options.busyWaitMs ?? 60_000;
    const deadline = Date.now() + busyWaitMs;
    for (;;) {
      const server = createServer((req, res) => void service.#dispatch(req, res));
      try {
        await bind(server, port);
        service.#server = server;
        return service;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "EADDRINUSE") {
          throw new Error(`the application service could not listen on 127.0.0.1:${port}: ${(error as Error).message}; pick another port for the registration`);
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `the application service could not listen on 127.0.0.1:${port} (registration url ${registration.url}): the port stayed in use for ${busyWaitMs} ms. ` +
              `Another process holds it, perhaps another test file's application service for the same homeserver; let that finish, free the port, or raise busyWaitMs`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(BUSY_RETRY_MS, left)));
      }
    }
  }

  get requests(): readonly AppserviceRequest[] {
    return this.#requests.items;
  }

  /** Events received through transactions, in order; a retried txnId is acknowledged but not recorded twice. */
  get events(): readonly Record<string, unknown>[] {
    return this.#events.items;
  }

  waitForEvent(predicate: (event: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    return this.#events.waitFor(predicate, timeoutMs, () => {
      const types = this.#events.items.slice(-5).map((e) => String(e["type"]));
      return (
        `the application service received no matching event within ${timeoutMs} ms ` +
        `(${this.#events.items.length} events so far${types.length ? `, the last: ${types.join(", ")}` : ""}; ${this.#transactionCount()} transactions). ` +
        `Check that the homeserver loaded the registration "${this.registration.id}" and that the event involves a user, alias or room in its namespaces`
      );
    });
  }

  waitForRequest(predicate: (request: AppserviceRequest) => boolean, timeoutMs = 20_000): Promise<AppserviceRequest> {
    return this.#requests.waitFor(predicate, timeoutMs, () => {
      const last = this.#requests.items.slice(-5).map((r) => `${r.method} ${r.path} → ${r.status}`);
      return (
        `the application service received no matching request within ${timeoutMs} ms ` +
        `(${this.#requests.items.length} requests so far${last.length ? `, the last: ${last.join("; ")}` : ""}). ` +
        `Check that the homeserver loaded the registration "${this.registration.id}" with url ${this.registration.url}`
      );
    });
  }

  /** Stops listening, drops open (including keep-alive) connections and rejects pending waits. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const later = `the application service at ${this.registration.url} is closed; nothing more will arrive`;
    this.#requests.close(`the application service at ${this.registration.url} closed while a wait was pending`, later);
    this.#events.close(`the application service at ${this.registration.url} closed while a wait was pending`, later);
    const server = this.#server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  #transactionCount(): number {
    return this.#txnIds.size;
  }

  #defaultRoutes(): void {
    const route = (method: string, path: string, handler: Handler) => this.#routes.push({ method, pattern: new RegExp(`^${APP_V1}${path}$`), handler });
    const notFound = (what: string) => matrixError(404, "M_NOT_FOUND", what);

    // The homeserver pushes events; txnId makes retries idempotent (application service API, "PUT /transactions").
    route("PUT", "/transactions/([^/]+)", ({ params, body }) => {
      const txnId = params[0] ?? "";
      if (!isObject(body) || !Array.isArray(body["events"])) {
        return matrixError(400, "M_BAD_JSON", `expected a transaction object with an "events" array, got ${describe(body)}`);
      }
      if (this.#txnIds.has(txnId)) return { status: 200, body: {} };
      this.#txnIds.add(txnId);
      for (const event of body["events"]) if (isObject(event)) this.#events.record(event);
      return { status: 200, body: {} };
    });
    // Answers the homeserver's side of POST /_matrix/client/v1/appservice/{id}/ping (spec v1.7, "POST /ping").
    route("POST", "/ping", ({ body }) => {
      if (body !== undefined && !isObject(body)) return matrixError(400, "M_BAD_JSON", `expected an object with an optional "transaction_id", got ${describe(body)}`);
      return { status: 200, body: {} };
    });
    // The service must create the user or alias before answering 200 (application service API, "Querying").
    route("GET", "/users/([^/]+)", async ({ params }) => {
      const userId = params[0] ?? "";
      if (this.onUserQuery && (await this.onUserQuery(userId))) return { status: 200, body: {} };
      return notFound(`the application service has no user ${userId}${this.onUserQuery ? "" : " (set onUserQuery to create users on demand)"}`);
    });
    route("GET", "/rooms/([^/]+)", async ({ params }) => {
      const alias = params[0] ?? "";
      if (this.onRoomQuery && (await this.onRoomQuery(alias))) return { status: 200, body: {} };
      return notFound(`the application service has no room alias ${alias}${this.onRoomQuery ? "" : " (set onRoomQuery to create rooms on demand)"}`);
    });
    // Third-party lookups answer 404 when nothing matches (application service API, "Third-party networks").
    const unknownProtocol = (protocol: string) => notFound(`the application service bridges only the protocol "${APPSERVICE_PROTOCOL}", not "${protocol}"`);
    route("GET", "/thirdparty/protocol/([^/]+)", ({ params }) => {
      const protocol = params[0] ?? "";
      return protocol === APPSERVICE_PROTOCOL ? { status: 200, body: this.protocol } : unknownProtocol(protocol);
    });
    route("GET", "/thirdparty/location/([^/]+)", ({ params, query }) => {
      const protocol = params[0] ?? "";
      if (protocol !== APPSERVICE_PROTOCOL) return unknownProtocol(protocol);
      const found = this.locations.filter((l) => l["protocol"] === protocol && fieldsMatch(l, query));
      return found.length ? { status: 200, body: found } : notFound(`no ${protocol} location has the fields ${JSON.stringify(query)}`);
    });
    route("GET", "/thirdparty/user/([^/]+)", ({ params, query }) => {
      const protocol = params[0] ?? "";
      if (protocol !== APPSERVICE_PROTOCOL) return unknownProtocol(protocol);
      const found = this.users.filter((u) => u["protocol"] === protocol && fieldsMatch(u, query));
      return found.length ? { status: 200, body: found } : notFound(`no ${protocol} user has the fields ${JSON.stringify(query)}`);
    });
    route("GET", "/thirdparty/location", ({ query }) => {
      const alias = query["alias"];
      if (alias === undefined) return matrixError(400, "M_MISSING_PARAM", "expected the query parameter alias (a Matrix room alias)");
      const found = this.locations.filter((l) => l["alias"] === alias);
      return found.length ? { status: 200, body: found } : notFound(`no third-party location is bridged to ${alias}`);
    });
    route("GET", "/thirdparty/user", ({ query }) => {
      const userId = query["userid"];
      if (userId === undefined) return matrixError(400, "M_MISSING_PARAM", "expected the query parameter userid (a Matrix user ID)");
      const found = this.users.filter((u) => u["userid"] === userId);
      return found.length ? { status: 200, body: found } : notFound(`no third-party user is bridged to ${userId}`);
    });
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? "/";
    const mark = raw.indexOf("?");
    const path = mark < 0 ? raw : raw.slice(0, mark);
    const search = new URLSearchParams(mark < 0 ? "" : raw.slice(mark + 1));
    const method = req.method ?? "GET";
    const query = Object.fromEntries([...search].filter(([name]) => name !== "access_token"));
    const record: AppserviceRequest = { method, path, query, body: undefined, authorized: false, credentials: "none", status: 0, at: Date.now() };
    const reply = ({ status, body, headers }: Reply) => {
      record.status = status;
      this.#requests.record(record);
      if (res.headersSent || res.destroyed) return;
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    try {
      // Header first (spec v1.4); the query parameter is the deprecated form older homeservers send.
      const header = req.headers.authorization;
      const bearer = header === undefined ? undefined : (/^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? "");
      const queryToken = search.get("access_token") ?? undefined;
      const token = bearer ?? queryToken;
      record.credentials = bearer !== undefined ? "header" : queryToken !== undefined ? "query" : "none";
      record.authorized = token !== undefined && sameToken(token, this.registration.hs_token);

      const received = await readBody(req, MAX_BODY_BYTES);
      if (received === "too-large") {
        return reply(matrixError(413, "M_TOO_LARGE", `request bodies are limited to ${MAX_BODY_BYTES} bytes`, { connection: "close" }));
      }
      let notJson = false;
      if (received.length) {
        try {
          record.body = JSON.parse(received.toString("utf8"));
        } catch {
          notJson = true;
        }
      }

      const onPath = this.#routes.filter((r) => r.pattern.test(path));
      const route = onPath.find((r) => r.method === method);
      if (!route) {
        if (onPath.length) {
          const allow = onPath.map((r) => r.method).join(", ");
          return reply(matrixError(405, "M_UNRECOGNIZED", `${path} accepts ${allow}, not ${method}`, { allow }));
        }
        return reply(matrixError(404, "M_UNRECOGNIZED", `the application service does not handle ${method} ${path}`));
      }
      // Missing credentials are 401, wrong ones 403 (application service API, "Authorization").
      if (record.credentials === "none") {
        return reply(matrixError(401, "M_UNAUTHORIZED", "expected the hs_token in an Authorization: Bearer header (or the access_token query parameter); none was sent"));
      }
      if (!record.authorized) {
        return reply(matrixError(403, "M_FORBIDDEN", `the token sent in the ${record.credentials === "header" ? "Authorization header" : "access_token query parameter"} is not the registration's hs_token`));
      }
      if (notJson) return reply(matrixError(400, "M_NOT_JSON", "the request body is not valid JSON"));

      let params: string[];
      try {
        params = (route.pattern.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
      } catch {
        return reply(matrixError(400, "M_INVALID_PARAM", `the path ${path} holds malformed percent-encoding`));
      }
      return reply(await route.handler({ params, query, body: record.body }));
    } catch (error) {
      return reply(matrixError(500, "M_UNKNOWN", `application service failure: ${(error as Error).message}`));
    }
  }
}
