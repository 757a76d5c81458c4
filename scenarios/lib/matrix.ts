// Matrix client-server API calls for the load scenarios (spec v1.x, /_matrix/client/v3).
// Every request names its endpoint template in the `name` tag, so metrics group by endpoint
// rather than by room ID. `Must…` helpers throw with the request and response when the
// homeserver does not answer as the spec says; an exception ends the iteration (or setup).
import http from "k6/http";
import type { RefinedResponse } from "k6/http";
import { baseUrl } from "./parameters.ts";

export interface MatrixUser {
  readonly userId: string;
  readonly accessToken: string;
  readonly localpart: string;
  readonly password: string;
}

export interface MatrixEvent {
  readonly type: string;
  readonly event_id: string;
  readonly sender: string;
  readonly origin_server_ts: number;
  readonly content: Record<string, unknown>;
}

export interface SyncResult {
  readonly nextBatch: string;
  readonly response: RefinedResponse<"text">;
  /** Timeline events of every joined room, by room ID. */
  readonly timelines: Record<string, MatrixEvent[]>;
}

const CLIENT = "/_matrix/client/v3";

type Json = Record<string, unknown>;

// The first step of user-interactive auth answers 401 by design (spec: Client-Server API, User-Interactive Authentication API): not a failure.
const AUTH_STEP_STATUSES = http.expectedStatuses({ min: 200, max: 399 }, 401);

function request(method: string, path: string, endpoint: string, body?: Json, accessToken?: string, timeoutMs = 60_000, authStep = false) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  return http.asyncRequest(method, `${baseUrl()}${CLIENT}${path}`, body === undefined ? null : JSON.stringify(body), {
    headers,
    tags: { name: `${method} ${endpoint}` },
    timeout: timeoutMs,
    responseType: "text",
    ...(authStep ? { responseCallback: AUTH_STEP_STATUSES } : {}),
  });
}

function must(response: RefinedResponse<"text">, expected: number, what: string): Json {
  if (response.status !== expected) {
    throw new Error(
      `${what}: expected HTTP ${expected}, got ${response.status || response.error} from ${response.request.method} ${response.url}: ` +
        `${String(response.body).slice(0, 300)}`,
    );
  }
  return response.json() as Json;
}

/**
 * Registers a user through the spec's user-interactive auth with `m.login.dummy` (spec:
 * Client-Server API, Account registration, POST /register): the first request learns the session, the second completes it.
 */
export async function mustRegister(localpart: string, password: string): Promise<MatrixUser> {
  const body: Json = { username: localpart, password, inhibit_login: false };
  let response = await request("POST", "/register", "/register", body, undefined, 60_000, true);
  if (response.status === 401) {
    const session = (response.json() as Json).session;
    response = await request("POST", "/register", "/register", { ...body, auth: { type: "m.login.dummy", session } });
  }
  const registered = must(response, 200, `registering ${localpart}`);
  return { userId: String(registered.user_id), accessToken: String(registered.access_token), localpart, password };
}

/** Registers `count` users named `<prefix>-<i>`, `parallel` at a time (registration hashes passwords: slow by design). */
export async function mustRegisterMany(prefix: string, count: number, parallel = 4): Promise<MatrixUser[]> {
  const users: MatrixUser[] = [];
  for (let start = 0; start < count; start += parallel) {
    const batch: Promise<MatrixUser>[] = [];
    for (let i = start; i < Math.min(count, start + parallel); i++) batch.push(mustRegister(`${prefix}-${i}`, `pw-${prefix}-${i}`));
    users.push(...(await Promise.all(batch)));
  }
  return users;
}

/** Logs in with a password (spec: Client-Server API, Login, POST /login); the response is returned for timing. */
export async function login(localpart: string, password: string): Promise<{ user?: MatrixUser; response: RefinedResponse<"text"> }> {
  const response = await request("POST", "/login", "/login", {
    type: "m.login.password",
    identifier: { type: "m.id.user", user: localpart },
    password,
  });
  if (response.status !== 200) return { response };
  const body = response.json() as Json;
  return { response, user: { userId: String(body.user_id), accessToken: String(body.access_token), localpart, password } };
}

/** Ends a session so repeated logins do not pile up devices (spec: Client-Server API, Login, POST /logout). */
export async function logout(user: MatrixUser): Promise<void> {
  await request("POST", "/logout", "/logout", {}, user.accessToken);
}

/** Creates a room (spec: Client-Server API, Room creation, POST /createRoom); public rooms let others join without an invite. */
export async function createRoom(user: MatrixUser, options: { visibility?: "public" | "private"; name?: string } = {}) {
  const response = await request(
    "POST",
    "/createRoom",
    "/createRoom",
    { preset: options.visibility === "private" ? "private_chat" : "public_chat", ...(options.name ? { name: options.name } : {}) },
    user.accessToken,
  );
  return { response, roomId: response.status === 200 ? String((response.json() as Json).room_id) : undefined };
}

export async function mustCreateRoom(user: MatrixUser, options: { visibility?: "public" | "private"; name?: string } = {}): Promise<string> {
  const { response } = await createRoom(user, options);
  return String(must(response, 200, `creating a room as ${user.userId}`).room_id);
}

/** Joins a room by ID (spec: Client-Server API, Joining rooms, POST /join/{roomIdOrAlias}). */
export function joinRoom(user: MatrixUser, roomId: string) {
  return request("POST", `/join/${encodeURIComponent(roomId)}`, "/join/{roomId}", {}, user.accessToken);
}

export async function mustJoinRoom(user: MatrixUser, roomId: string): Promise<void> {
  must(await joinRoom(user, roomId), 200, `${user.userId} joining ${roomId}`);
}

/** Sends an m.room.message (spec: Client-Server API, Sending events to a room, PUT /rooms/{roomId}/send/{eventType}/{txnId}). */
export function sendMessage(user: MatrixUser, roomId: string, txnId: string, content: Json) {
  return request(
    "PUT",
    `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`,
    "/rooms/{roomId}/send/m.room.message/{txnId}",
    { msgtype: "m.text", ...content },
    user.accessToken,
  );
}

// Only what the scenarios read: no presence, no account data, a short timeline per room.
const SYNC_FILTER = JSON.stringify({
  presence: { types: [] },
  account_data: { types: [] },
  room: { timeline: { limit: 50 }, state: { lazy_load_members: true }, ephemeral: { types: [] }, account_data: { types: [] } },
});

/** One /sync (spec: Client-Server API, Syncing, GET /sync): initial without `since`, otherwise incremental, long-polling up to `timeoutMs`. */
export async function sync(user: MatrixUser, since: string | undefined, timeoutMs: number, filter = SYNC_FILTER): Promise<SyncResult> {
  const query = [`timeout=${timeoutMs}`, `filter=${encodeURIComponent(filter)}`];
  if (since) query.push(`since=${encodeURIComponent(since)}`);
  const response = await request("GET", `/sync?${query.join("&")}`, since ? "/sync (incremental)" : "/sync (initial)", undefined, user.accessToken, timeoutMs + 30_000);
  const body = must(response, 200, `syncing as ${user.userId}`) as {
    next_batch: string;
    rooms?: { join?: Record<string, { timeline?: { events?: MatrixEvent[] } }> };
  };
  const timelines: Record<string, MatrixEvent[]> = {};
  for (const [roomId, room] of Object.entries(body.rooms?.join ?? {})) timelines[roomId] = room.timeline?.events ?? [];
  return { nextBatch: body.next_batch, response, timelines };
}

/**
 * A /sync loop that follows next_batch, as a client does: each `next()` long-polls for what
 * arrived since the previous one and returns it with the time it arrived (epoch ms).
 */
export class SyncLoop {
  readonly user: MatrixUser;
  #since: string | undefined;

  constructor(user: MatrixUser) {
    this.user = user;
  }

  /** Catches up without waiting, so that later calls return only new events. */
  async start(): Promise<void> {
    this.#since = (await sync(this.user, undefined, 0)).nextBatch;
  }

  async next(timeoutMs: number): Promise<{ events: { roomId: string; event: MatrixEvent }[]; receivedAt: number }> {
    const result = await sync(this.user, this.#since, timeoutMs);
    const receivedAt = Date.now();
    this.#since = result.nextBatch;
    const events: { roomId: string; event: MatrixEvent }[] = [];
    for (const [roomId, timeline] of Object.entries(result.timelines)) for (const event of timeline) events.push({ roomId, event });
    return { events, receivedAt };
  }
}

/** Leaves a room (spec: Client-Server API, Leaving rooms, POST /rooms/{roomId}/leave). */
export function leaveRoom(user: MatrixUser, roomId: string) {
  return request("POST", `/rooms/${encodeURIComponent(roomId)}/leave`, "/rooms/{roomId}/leave", {}, user.accessToken);
}

/**
 * One page of a room's history backwards (spec: Client-Server API, Getting events for a room,
 * GET /rooms/{roomId}/messages with dir=b); without `from` the page starts at the room's end.
 */
export async function messagesPage(user: MatrixUser, roomId: string, from: string | undefined, limit: number) {
  const query = [`dir=b`, `limit=${limit}`];
  if (from) query.push(`from=${encodeURIComponent(from)}`);
  const response = await request("GET", `/rooms/${encodeURIComponent(roomId)}/messages?${query.join("&")}`, "/rooms/{roomId}/messages", undefined, user.accessToken);
  const body = response.status === 200 ? (response.json() as { chunk?: MatrixEvent[]; end?: string }) : {};
  return { response, chunk: body.chunk ?? [], end: body.end };
}
