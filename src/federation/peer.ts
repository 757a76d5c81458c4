import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import {
  buildServerKeys,
  computeEventId,
  encodeBase64,
  parseXMatrixHeader,
  signEvent,
  signXMatrixRequest,
  signingKeyFromSeed,
  verifyEvent,
  verifyXMatrixRequest,
  type JsonObject,
  type JsonValue,
  type Pdu,
  type RoomVersion,
  type SigningKey,
} from "../protocol/index.ts";
import { isJsonObject } from "../protocol/json.ts";
import { issueServerCertificate, type CertificatePair } from "../env/tls.ts";
import { FederationClient, type FederationDirectory } from "./transport.ts";
import { RemoteKeyStore } from "./remote-keys.ts";
import { PeerRoom, type NewEvent, type StoredEvent } from "./room.ts";

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

export interface ReceivedPdu {
  origin: string;
  roomId: string;
  eventId: string;
  pdu: Pdu;
  /** Why the peer rejected it (signature, auth rules, unknown room), when it did. */
  rejected?: string;
}

type Reply = { status: number; body: JsonValue };
export type RouteHandler = (request: { method: string; path: string; params: string[]; query: URLSearchParams; origin: string; body: unknown }) => Reply | Promise<Reply>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

const FEDERATION_V1 = "/_matrix/federation/v1";
const FEDERATION_V2 = "/_matrix/federation/v2";

function matrixError(status: number, errcode: string, error: string): Reply {
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

export interface FederationPeerOptions {
  /** The run CA: the peer's certificate is signed by it and outbound TLS trusts only it. */
  ca: CertificatePair;
  /** Federation base URLs of other servers, by server name (never resolved through DNS). */
  directory: FederationDirectory;
  /** With strict mode, any request no route expects is recorded as unexpected. */
  strict?: boolean;
}

/**
 * An in-process federation server: it publishes keys, authenticates inbound requests, hosts
 * rooms of its own, joins rooms elsewhere, and records every request a homeserver makes.
 */
export class FederationPeer {
  readonly requests: InboundRequest[] = [];
  readonly received: ReceivedPdu[] = [];
  readonly rooms = new Map<string, PeerRoom>();
  serverName = "";
  readonly keyId: string;
  readonly #key: SigningKey;
  readonly #options: FederationPeerOptions;
  readonly #routes: Route[] = [];
  #server: Server | undefined;
  #client: FederationClient | undefined;
  #keys: RemoteKeyStore | undefined;
  #waiters = new Set<() => void>();
  #txn = 0;

  constructor(options: FederationPeerOptions) {
    this.#options = options;
    const seed = randomBytes(32);
    this.#key = signingKeyFromSeed(seed);
    this.keyId = `ed25519:gauntlet_${Buffer.from(this.#key.publicKey).toString("hex").slice(0, 8)}`;
    this.#defaultRoutes();
  }

  get client(): FederationClient {
    if (!this.#client) throw new Error("the federation peer is not started");
    return this.#client;
  }

  get publicKeyBase64(): string {
    return encodeBase64(this.#key.publicKey);
  }

  /** A user ID on the peer. */
  userId(localpart: string): string {
    return `@${localpart}:${this.serverName}`;
  }

  /** Listens on 127.0.0.1 on a free port; the server name is `localhost:<port>`. */
  async start(): Promise<this> {
    const tls = await issueServerCertificate(this.#options.ca, { names: ["localhost", "127.0.0.1"] });
    const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => void this.#dispatch(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    this.#server = server;
    const port = (server.address() as AddressInfo).port;
    this.serverName = `localhost:${port}`;
    const own = `https://127.0.0.1:${port}`;
    const directory: FederationDirectory = (name) => (name === this.serverName ? own : this.#options.directory(name));
    this.#client = new FederationClient({ origin: this.serverName, keyId: this.keyId, key: this.#key, caCertPem: this.#options.ca.certPem, directory });
    this.#keys = new RemoteKeyStore(this.#client);
    return this;
  }

  async stop(): Promise<void> {
    for (const wake of this.#waiters) wake();
    await this.#client?.close();
    await new Promise<void>((resolve) => {
      if (!this.#server) return resolve();
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }

  /** Adds a route ahead of the built-in ones; the pattern matches the path without query. */
  handle(method: string, pattern: RegExp, handler: RouteHandler): void {
    this.#routes.unshift({ method, pattern, handler });
  }

  unexpectedRequests(): InboundRequest[] {
    return this.requests.filter((r) => r.unexpected);
  }

  /** Resolves with the first recorded item matching `predicate`, or rejects after the deadline. */
  async #waitFor<T>(items: () => T[], predicate: (item: T) => boolean, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = items().find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the federation peer saw no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  waitForRequest(predicate: (request: InboundRequest) => boolean, timeoutMs = 30_000): Promise<InboundRequest> {
    return this.#waitFor(() => this.requests, predicate, "matching request", timeoutMs);
  }

  waitForPdu(predicate: (pdu: ReceivedPdu) => boolean, timeoutMs = 30_000): Promise<ReceivedPdu> {
    return this.#waitFor(() => this.received, predicate, "matching PDU", timeoutMs);
  }

  #notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** An X-Matrix Authorization header from this peer, for requests a test sends by hand. */
  authorization(request: { method: string; uri: string; destination: string; content?: JsonValue }): string {
    return signXMatrixRequest({ ...request, origin: this.serverName }, this.keyId, this.#key);
  }

  sign(event: JsonObject, version: RoomVersion | string): Pdu {
    return signEvent(event, version, this.serverName, this.keyId, this.#key) as unknown as Pdu;
  }

  /** A room hosted by the peer, created by one of its users. */
  createRoom(options: { version?: string; creator?: string; joinRule?: string } = {}): PeerRoom {
    const room = PeerRoom.create({
      version: options.version ?? "11",
      creator: options.creator ?? this.userId("creator"),
      serverName: this.serverName,
      sign: (event, version) => this.sign(event, version),
      ...(options.joinRule ? { joinRule: options.joinRule } : {}),
    });
    this.rooms.set(room.roomId, room);
    return room;
  }

  /** Builds, signs and appends an event, then sends it to every other server in the room. */
  async sendEvent(room: PeerRoom, event: NewEvent): Promise<string> {
    const stored = room.append(this.sign(room.prototype(event), room.version));
    await this.sendPdus(room, [stored.pdu]);
    return stored.eventId;
  }

  /**
   * Sends one transaction to one server and returns its per-PDU results (server-server API,
   * "PUT /send": an `error` for each PDU the receiver did not accept).
   */
  async sendTransaction(destination: string, pdus: Pdu[]): Promise<Record<string, { error?: string }>> {
    const txnId = `${Date.now()}-${++this.#txn}`;
    const response = await this.client.request(destination, "PUT", `${FEDERATION_V1}/send/${txnId}`, {
      origin: this.serverName,
      origin_server_ts: Date.now(),
      pdus: pdus as unknown as JsonValue[],
    });
    if (response.status !== 200) throw new Error(`PUT /send/${txnId} to ${destination}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
    const results = (response.json as { pdus?: Record<string, { error?: string }> } | undefined)?.pdus;
    return results ?? {};
  }

  /**
   * Invites a user of another server (server-server API, "PUT /_matrix/federation/v2/invite"):
   * the invitee's server countersigns the invite, which the peer then appends to the room.
   */
  async inviteRemoteUser(room: PeerRoom, options: { sender: string; userId: string; originServerTs?: number }): Promise<StoredEvent> {
    const destination = options.userId.slice(options.userId.indexOf(":") + 1);
    const invite = this.sign(
      room.prototype({ type: "m.room.member", sender: options.sender, stateKey: options.userId, content: { membership: "invite" } }, options.originServerTs),
      room.version,
    );
    const eventId = computeEventId(invite, room.version);
    // The create event travels in full with the invite (MSC4311, spec v1.16 "Stripped state").
    const create = room.stateEvent("m.room.create");
    const response = await this.client.request(destination, "PUT", `${FEDERATION_V2}/invite/${encodeURIComponent(room.roomId)}/${encodeURIComponent(eventId)}`, {
      room_version: room.version.id,
      event: invite,
      invite_room_state: create ? [create.pdu as unknown as JsonValue] : [],
    });
    const signed = (response.json as { event?: Pdu } | undefined)?.event;
    if (response.status !== 200 || !signed) throw new Error(`invite of ${options.userId} via ${destination}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
    return room.append(signed);
  }

  async sendPdus(room: PeerRoom, pdus: Pdu[]): Promise<void> {
    const destinations = [...room.joinedServers()].filter((server) => server !== this.serverName);
    const txnId = `${Date.now()}-${++this.#txn}`;
    await Promise.all(
      destinations.map(async (destination) => {
        const response = await this.client.request(destination, "PUT", `${FEDERATION_V1}/send/${txnId}`, {
          origin: this.serverName,
          origin_server_ts: Date.now(),
          pdus: pdus as unknown as JsonValue[],
        });
        if (response.status !== 200) throw new Error(`PUT /send/${txnId} to ${destination}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
      }),
    );
  }

  /** Joins a room on another server (make_join, then send_join v2) as a peer user. */
  async joinRemoteRoom(destination: string, roomId: string, localpart = "joiner"): Promise<PeerRoom> {
    const userId = this.userId(localpart);
    const versions = Array.from({ length: 12 }, (_, i) => `ver=${i + 1}`).join("&");
    const make = await this.client.request(destination, "GET", `${FEDERATION_V1}/make_join/${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}?${versions}`);
    const template = make.json as { room_version?: string; event?: JsonObject } | undefined;
    if (make.status !== 200 || !template?.event) throw new Error(`make_join on ${destination}: HTTP ${make.status} ${make.text.slice(0, 300)}`);
    const version = template.room_version ?? "1";
    const room = new PeerRoom(version, roomId);
    const join = this.sign({ ...template.event, origin_server_ts: Date.now() }, room.version);
    const eventId = computeEventId(join, room.version);
    const send = await this.client.request(destination, "PUT", `${FEDERATION_V2}/send_join/${encodeURIComponent(roomId)}/${encodeURIComponent(eventId)}`, join);
    const result = send.json as { state?: Pdu[]; auth_chain?: Pdu[]; event?: Pdu } | undefined;
    if (send.status !== 200 || !result?.state) throw new Error(`send_join on ${destination}: HTTP ${send.status} ${send.text.slice(0, 300)}`);
    room.adopt(result.auth_chain ?? [], false);
    room.adopt(result.state, true);
    room.adopt([result.event ?? join], true);
    room.extremities = [eventId];
    this.rooms.set(roomId, room);
    return room;
  }

  /** Verifies signatures of a PDU from another server with keys fetched from that server. */
  async verifyPdu(pdu: Pdu, version: RoomVersion | string): Promise<string | undefined> {
    const signatures = isJsonObject(pdu["signatures"]) ? pdu["signatures"] : {};
    const keys: Record<string, Record<string, Uint8Array>> = {};
    for (const [server, byKey] of Object.entries(signatures)) {
      if (!isJsonObject(byKey)) continue;
      for (const keyId of Object.keys(byKey)) {
        const key = server === this.serverName ? this.#key.publicKey : await this.#keys!.key(server, keyId).catch(() => undefined);
        if (key) (keys[server] ??= {})[keyId] = key;
      }
    }
    const verdict = verifyEvent(pdu, version, keys);
    return verdict.signaturesValid && verdict.contentHashMatches ? undefined : verdict.problems.join("; ") || "content hash does not match";
  }

  #defaultRoutes(): void {
    const route = (method: string, pattern: RegExp, handler: RouteHandler) => this.#routes.push({ method, pattern, handler });
    route("GET", /^\/_matrix\/federation\/v1\/make_join\/([^/]+)\/([^/]+)$/, ({ params, origin }) => {
      const [roomId = "", userId = ""] = params;
      const room = this.rooms.get(roomId);
      if (!room) return matrixError(404, "M_NOT_FOUND", `the peer hosts no room ${roomId}`);
      if (!userId.endsWith(`:${origin}`)) return matrixError(403, "M_FORBIDDEN", `${userId} does not belong to ${origin}`);
      const event = room.prototype({ type: "m.room.member", sender: userId, stateKey: userId, content: { membership: "join" } });
      return { status: 200, body: { room_version: room.version.id, event } };
    });
    route("PUT", /^\/_matrix\/federation\/v2\/send_join\/([^/]+)\/([^/]+)$/, async ({ params, body }) => {
      const room = this.rooms.get(params[0] ?? "");
      if (!room) return matrixError(404, "M_NOT_FOUND", `the peer hosts no room ${params[0]}`);
      const pdu = body as Pdu;
      const problem = await this.verifyPdu(pdu, room.version);
      if (problem) return matrixError(403, "M_FORBIDDEN", `join event signature: ${problem}`);
      const stateBefore = room.currentState();
      let stored: StoredEvent;
      try {
        stored = room.append(pdu);
      } catch (error) {
        return matrixError(403, "M_FORBIDDEN", (error as Error).message);
      }
      const chain = room.authChain([stored.eventId, ...stateBefore.map((s) => s.eventId)]);
      return {
        status: 200,
        body: {
          origin: this.serverName,
          event: stored.pdu,
          state: stateBefore.map((s) => s.pdu) as unknown as JsonValue[],
          auth_chain: chain.map((s) => s.pdu) as unknown as JsonValue[],
          members_omitted: false,
        },
      };
    });
    route("PUT", /^\/_matrix\/federation\/v1\/send\/([^/]+)$/, async ({ body, origin }) => {
      const transaction = isJsonObject(body) ? body : {};
      const pdus = Array.isArray(transaction["pdus"]) ? (transaction["pdus"] as Pdu[]) : [];
      const results: JsonObject = {};
      for (const pdu of pdus) {
        const roomId = String(pdu["room_id"] ?? "");
        const room = this.rooms.get(roomId);
        let eventId = "";
        let rejected: string | undefined;
        if (!room) rejected = `unknown room ${roomId}`;
        else {
          eventId = computeEventId(pdu, room.version);
          rejected = await this.verifyPdu(pdu, room.version);
          if (!rejected) {
            try {
              room.append(pdu);
            } catch (error) {
              rejected = (error as Error).message;
            }
          }
        }
        this.received.push({ origin, roomId, eventId, pdu, ...(rejected ? { rejected } : {}) });
        results[eventId || `unknown-${this.received.length}`] = rejected ? { error: rejected } : {};
      }
      this.#notify();
      return { status: 200, body: { pdus: results } };
    });
    route("GET", /^\/_matrix\/federation\/v1\/user\/devices\/([^/]+)$/, ({ params }) => ({
      status: 200,
      body: { user_id: params[0] ?? "", stream_id: 0, devices: [] },
    }));
    route("POST", /^\/_matrix\/federation\/v1\/user\/keys\/query$/, () => ({ status: 200, body: { device_keys: {} } }));
    route("GET", /^\/_matrix\/federation\/v1\/query\/profile$/, () => ({ status: 200, body: {} }));
    route("GET", /^\/_matrix\/federation\/v1\/event\/([^/]+)$/, ({ params }) => {
      for (const room of this.rooms.values()) {
        const stored = room.event(params[0] ?? "");
        if (stored) return { status: 200, body: { origin: this.serverName, origin_server_ts: Date.now(), pdus: [stored.pdu] } };
      }
      return matrixError(404, "M_NOT_FOUND", "unknown event");
    });
    // The state at an event is the state before it (server-server API, "GET /state_ids"); without
    // event_id the peer answers with its current state.
    const stateAt = (roomId: string, eventId: string | null): { room: PeerRoom; state: StoredEvent[] } | Reply => {
      const room = this.rooms.get(roomId);
      if (!room) return matrixError(404, "M_NOT_FOUND", "unknown room");
      if (eventId === null) return { room, state: room.currentState() };
      if (!room.event(eventId)) return matrixError(404, "M_NOT_FOUND", `the peer has no event ${eventId} in ${roomId}`);
      const before = room.stateBefore(eventId);
      // Rooms joined elsewhere hold events without their ancestry: answer with the current state, as before.
      if (!before) return { room, state: room.currentState() };
      return { room, state: [...before.values()].map((id) => room.event(id)).filter((e): e is StoredEvent => e !== undefined) };
    };
    route("GET", /^\/_matrix\/federation\/v1\/state_ids\/([^/]+)$/, ({ params, query }) => {
      const found = stateAt(params[0] ?? "", query.get("event_id"));
      if ("status" in found) return found;
      const ids = found.state.map((s) => s.eventId);
      return { status: 200, body: { pdu_ids: ids, auth_chain_ids: found.room.authChain(ids).map((s) => s.eventId) } };
    });
    route("GET", /^\/_matrix\/federation\/v1\/state\/([^/]+)$/, ({ params, query }) => {
      const found = stateAt(params[0] ?? "", query.get("event_id"));
      if ("status" in found) return found;
      const chain = found.room.authChain(found.state.map((s) => s.eventId));
      return { status: 200, body: { pdus: found.state.map((s) => s.pdu) as unknown as JsonValue[], auth_chain: chain.map((s) => s.pdu) as unknown as JsonValue[] } };
    });
    route("POST", /^\/_matrix\/federation\/v1\/get_missing_events\/([^/]+)$/, ({ params, body }) => {
      const room = this.rooms.get(params[0] ?? "");
      if (!room) return matrixError(404, "M_NOT_FOUND", "unknown room");
      const request = isJsonObject(body) ? body : {};
      const ids = (value: JsonValue | undefined): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);
      // Defaults from the server-server API: limit 10, min_depth 0.
      const limit = typeof request["limit"] === "number" ? Math.min(request["limit"], 100) : 10;
      const minDepth = typeof request["min_depth"] === "number" ? request["min_depth"] : 0;
      const events = room.missingEvents(ids(request["earliest_events"]), ids(request["latest_events"]), limit, minDepth);
      return { status: 200, body: { events: events.map((e) => e.pdu) as unknown as JsonValue[] } };
    });
    route("GET", /^\/_matrix\/federation\/v1\/backfill\/([^/]+)$/, ({ params, query }) => {
      const room = this.rooms.get(params[0] ?? "");
      if (!room) return matrixError(404, "M_NOT_FOUND", "unknown room");
      const limit = Math.min(Number(query.get("limit") ?? "10") || 10, 100);
      const events = room.backfill(query.getAll("v"), limit);
      return { status: 200, body: { origin: this.serverName, origin_server_ts: Date.now(), pdus: events.map((e) => e.pdu) as unknown as JsonValue[] } };
    });
    route("GET", /^\/_matrix\/federation\/v1\/event_auth\/([^/]+)\/([^/]+)$/, ({ params }) => {
      const room = this.rooms.get(params[0] ?? "");
      if (!room?.event(params[1] ?? "")) return matrixError(404, "M_NOT_FOUND", "unknown room or event");
      return { status: 200, body: { auth_chain: room.authChain([params[1] ?? ""]).map((e) => e.pdu) as unknown as JsonValue[] } };
    });
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://peer.invalid");
    const method = req.method ?? "GET";
    const record: InboundRequest = { method, path: url.pathname, origin: undefined, body: undefined, status: 0, unexpected: false, at: Date.now() };
    const reply = (status: number, body: JsonValue) => {
      record.status = status;
      this.requests.push(record);
      this.#notify();
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
      if (method === "GET" && url.pathname === "/_matrix/key/v2/server") {
        return reply(200, buildServerKeys({ serverName: this.serverName, keys: [{ keyId: this.keyId, seed: this.#key }], validUntilTs: Date.now() + 3600_000 }));
      }
      if (method === "GET" && url.pathname === `${FEDERATION_V1}/version`) {
        return reply(200, { server: { name: "Gauntlet federation peer", version: "1" } });
      }
      const authorization = req.headers.authorization ?? "";
      let origin: string;
      try {
        const header = parseXMatrixHeader(authorization);
        origin = header.origin;
        record.xMatrix = { origin: header.origin, key: header.key, destination: header.destination };
        await this.#keys!.key(origin, header.key);
      } catch (error) {
        record.authProblem = (error as Error).message;
        return reply(401, { errcode: "M_UNAUTHORIZED", error: `X-Matrix authentication failed: ${record.authProblem}` });
      }
      const verification = verifyXMatrixRequest(
        { method, uri: `${url.pathname}${url.search}`, destination: this.serverName, content: record.body as JsonValue | undefined, authorization },
        (server, keyId) => this.#keys!.lookup(server, keyId),
      );
      record.origin = origin;
      if (!verification.valid) {
        record.authProblem = verification.problem ?? "invalid signature";
        return reply(401, { errcode: "M_UNAUTHORIZED", error: `X-Matrix authentication failed: ${record.authProblem}` });
      }
      for (const route of this.#routes) {
        if (route.method !== method) continue;
        const match = route.pattern.exec(url.pathname);
        if (!match) continue;
        const params = match.slice(1).map((p) => decodeURIComponent(p));
        const result = await route.handler({ method, path: url.pathname, params, query: url.searchParams, origin, body: record.body });
        return reply(result.status, result.body);
      }
      record.unexpected = this.#options.strict ?? true;
      return reply(404, { errcode: "M_UNRECOGNIZED", error: `the federation peer does not handle ${method} ${url.pathname}` });
    } catch (error) {
      return reply(500, { errcode: "M_UNKNOWN", error: `federation peer failure: ${(error as Error).message}` });
    }
  }
}
