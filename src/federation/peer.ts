import { randomBytes } from "node:crypto";
import {
  buildServerKeys,
  computeEventId,
  encodeBase64,
  signEvent,
  signXMatrixRequest,
  signingKeyFromSeed,
  verifyEvent,
  type JsonObject,
  type JsonValue,
  type Pdu,
  type RoomVersion,
  type SigningKey,
} from "../protocol/index.ts";
import { isJsonObject } from "../protocol/json.ts";
import type { CertificatePair } from "../env/tls.ts";
import type { ExchangeLog } from "../client/exchange.ts";
import { Recorder } from "../recording/recorder.ts";
import { PeerServer, type InboundRequest, type RouteHandler } from "./peer-server.ts";
import { residentRoutes, type ReceivedPdu } from "./peer-routes.ts";
import { RemoteServer, type ObservedAnswer } from "./remote-server.ts";
import { auditSentPdus, stateMapOf } from "./sent-pdu-audit.ts";
import type { PduViolation } from "./pdu-check.ts";
import { FederationClient, type FederationDirectory } from "./transport.ts";
import { RemoteKeyStore } from "./remote-keys.ts";
import { PeerRoom, type CreateBreaker, type NewEvent, type StoredEvent } from "./room.ts";
import { rawCanonicalJson, type RawJsonObject } from "./raw-json.ts";
import { signRawEvent, signRawXMatrixRequest, type RawPdu } from "./raw-pdu.ts";
import type { FederationResponse } from "./transport.ts";

export type { InboundRequest, RouteHandler } from "./peer-server.ts";
export type { ReceivedPdu } from "./peer-routes.ts";

export interface FederationPeerOptions {
  /** The run CA: the peer's certificate is signed by it and outbound TLS trusts only it. */
  ca: CertificatePair;
  /** Federation base URLs of other servers, by server name (never resolved through DNS). */
  directory: FederationDirectory;
  /** With strict mode, any request no route expects is recorded as unexpected. */
  strict?: boolean;
  /** Where the peer's outbound requests are recorded, for failure messages (a test's request log). */
  log?: ExchangeLog;
  /**
   * Whether the peer may take a port the OS offers; false makes it ask for another. Suites pass
   * `Deployment.claimPeerPort`, so no peer reuses the server name of an earlier one.
   */
  claimPort?: (port: number) => boolean;
}

/**
 * An in-process federation server: it publishes keys, hosts rooms of its own, joins rooms
 * elsewhere, and records every request a homeserver makes. Its transport is `PeerServer`, what
 * it answers is `residentRoutes`, and what it asks of other servers goes through `to(server)`.
 */
export class FederationPeer {
  readonly rooms = new Map<string, PeerRoom>();
  readonly keyId: string;
  readonly #key: SigningKey;
  readonly #options: FederationPeerOptions;
  readonly #server: PeerServer;
  readonly #received = new Recorder<ReceivedPdu>();
  readonly #answers: ObservedAnswer[] = [];
  #client: FederationClient | undefined;
  #keys: RemoteKeyStore | undefined;
  #txn = 0;

  constructor(options: FederationPeerOptions) {
    this.#options = options;
    this.#key = signingKeyFromSeed(randomBytes(32));
    this.keyId = `ed25519:gauntlet_${Buffer.from(this.#key.publicKey).toString("hex").slice(0, 8)}`;
    this.#server = new PeerServer({
      ca: options.ca,
      strict: options.strict ?? true,
      serverKeys: () => buildServerKeys({ serverName: this.serverName, keys: [{ keyId: this.keyId, seed: this.#key }], validUntilTs: Date.now() + 3600_000 }),
      keys: () => this.#remoteKeys,
    });
    const server = this.#server;
    const resident = {
      get serverName() {
        return server.serverName;
      },
      rooms: this.rooms,
      verifyPdu: (pdu: Pdu, version: RoomVersion | string) => this.verifyPdu(pdu, version),
      receive: (pdu: ReceivedPdu) => this.#received.record(pdu),
    };
    this.#server.routes.push(...residentRoutes(resident));
  }

  get serverName(): string {
    return this.#server.serverName;
  }

  /** Every request a homeserver made to the peer, in arrival order. */
  get requests(): readonly InboundRequest[] {
    return this.#server.requests.items;
  }

  /** Every PDU the peer received in transactions, accepted or rejected. */
  get received(): readonly ReceivedPdu[] {
    return this.#received.items;
  }

  /** The signing transport, for tests of the transport itself; suites speak through `to(server)`. */
  get client(): FederationClient {
    if (!this.#client) throw new Error("the federation peer is not started");
    return this.#client;
  }

  get #remoteKeys(): RemoteKeyStore {
    if (!this.#keys) throw new Error("the federation peer is not started");
    return this.#keys;
  }

  get publicKeyBase64(): string {
    return encodeBase64(this.#key.publicKey);
  }

  /** A user ID on the peer. */
  userId(localpart: string): string {
    return `@${localpart}:${this.serverName}`;
  }

  /** Listens on 127.0.0.1 on a free port (one `claimPort` accepts); the server name is `localhost:<port>`. */
  async start(): Promise<this> {
    const port = await this.#server.listen(this.#options.claimPort);
    const own = `https://127.0.0.1:${port}`;
    const directory: FederationDirectory = (name) => (name === this.serverName ? own : this.#options.directory(name));
    this.#client = new FederationClient({ origin: this.serverName, keyId: this.keyId, key: this.#key, caCertPem: this.#options.ca.certPem, directory });
    this.#keys = new RemoteKeyStore(this.#client);
    return this;
  }

  async stop(): Promise<void> {
    this.#received.close("the federation peer stopped while a wait was pending");
    await this.#client?.close();
    await this.#server.close();
  }

  /** The server-server API of another server, as the peer calls it: `peer.to(hs).makeJoin(...)`. */
  to(server: string | { serverName: string }): RemoteServer {
    const name = typeof server === "string" ? server : server.serverName;
    return new RemoteServer(name, this.client, (request, seed) => this.authorization(request, seed), this.#options.log, (answer) => this.#answers.push(answer));
  }

  /**
   * Every rule the PDUs other servers sent the peer broke, in requests and in answers to the
   * peer's requests so far: content hash, signatures, event ID, and for their own events
   * auth_events and prev_events (see `auditSentPdus`). Empty when all is well.
   */
  sentPduViolations(): Promise<PduViolation[]> {
    return auditSentPdus({
      peerName: this.serverName,
      rooms: this.rooms,
      requests: this.requests,
      answers: this.#answers,
      key: async (server, keyId) => (server === this.serverName ? this.#key.publicKey : this.#remoteKeys.key(server, keyId).catch(() => undefined)),
    });
  }

  /** Adds a route ahead of the built-in ones; the pattern matches the path without query. */
  handle(method: string, pattern: RegExp, handler: RouteHandler): void {
    this.#server.routes.unshift({ method, pattern, handler });
  }

  unexpectedRequests(): InboundRequest[] {
    return this.requests.filter((r) => r.unexpected);
  }

  waitForRequest(predicate: (request: InboundRequest) => boolean, timeoutMs = 30_000): Promise<InboundRequest> {
    return this.#server.requests.waitFor(predicate, timeoutMs, (ms) => `the federation peer saw no matching request within ${ms} ms (${this.requests.length} requests so far)`);
  }

  waitForPdu(predicate: (pdu: ReceivedPdu) => boolean, timeoutMs = 30_000): Promise<ReceivedPdu> {
    return this.#received.waitFor(predicate, timeoutMs, (ms) => `the federation peer saw no matching PDU within ${ms} ms (${this.received.length} PDUs so far)`);
  }

  /** An X-Matrix Authorization header from this peer; `seed` signs with a key the peer does not publish. */
  authorization(request: { method: string; uri: string; destination: string; content?: JsonValue }, seed?: Uint8Array): string {
    return signXMatrixRequest({ ...request, origin: this.serverName }, this.keyId, seed ?? this.#key);
  }

  sign(event: JsonObject, version: RoomVersion | string): Pdu {
    return signEvent(event, version, this.serverName, this.keyId, this.#key) as Pdu;
  }

  /** Signs an event whose numbers may break canonical JSON (RawNumber), hashing and signing the text it will send. */
  signRaw(event: RawJsonObject, version: RoomVersion): RawPdu {
    return signRawEvent(event, version, this.serverName, this.keyId, this.#key);
  }

  /**
   * Sends raw PDUs (see `signRaw`) in one transaction, the body and its X-Matrix signature
   * written by rawCanonicalJson; the answer is returned as it came, whatever its status.
   */
  async sendRawTransaction(destination: string, pdus: RawJsonObject[]): Promise<FederationResponse> {
    const path = `/_matrix/federation/v1/send/${encodeURIComponent(this.nextTxnId())}`;
    const content: RawJsonObject = { origin: this.serverName, origin_server_ts: Date.now(), pdus };
    const authorization = signRawXMatrixRequest({ method: "PUT", uri: path, origin: this.serverName, destination, content }, this.keyId, this.#key);
    return this.client.requestWithBodyText(destination, "PUT", path, authorization, rawCanonicalJson(content));
  }

  /** A room hosted by the peer, created by one of its users. */
  createRoom(options: { version?: string; creator?: string; joinRule?: string; breakCreate?: CreateBreaker } = {}): PeerRoom {
    const room = PeerRoom.create({
      version: options.version ?? "11",
      creator: options.creator ?? this.userId("creator"),
      serverName: this.serverName,
      sign: (event, version) => this.sign(event, version),
      ...(options.joinRule ? { joinRule: options.joinRule } : {}),
      ...(options.breakCreate ? { breakCreate: options.breakCreate } : {}),
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

  /** A transaction ID unique to this peer. */
  nextTxnId(): string {
    return `${Date.now()}-${++this.#txn}`;
  }

  /**
   * Sends one transaction to one server and returns its per-PDU results (server-server API,
   * "PUT /send": an `error` for each PDU the receiver did not accept).
   */
  async sendTransaction(destination: string, pdus: Pdu[]): Promise<Record<string, { error?: string }>> {
    const remote = this.to(destination);
    return remote.must(await remote.sendTransaction(this.nextTxnId(), { origin: this.serverName, pdus })).pdus;
  }

  /** Sends PDUs to every other server joined to the room, in one transaction each. */
  async sendPdus(room: PeerRoom, pdus: Pdu[]): Promise<void> {
    const destinations = [...room.joinedServers()].filter((server) => server !== this.serverName);
    const txnId = this.nextTxnId();
    await Promise.all(destinations.map(async (destination) => {
      const remote = this.to(destination);
      remote.must(await remote.sendTransaction(txnId, { origin: this.serverName, pdus }));
    }));
  }

  /**
   * Invites a user of another server (server-server API, "PUT /_matrix/federation/v2/invite"):
   * the invitee's server countersigns the invite, which the peer then appends to the room.
   */
  async inviteRemoteUser(room: PeerRoom, options: { sender: string; userId: string; originServerTs?: number }): Promise<StoredEvent> {
    const remote = this.to(options.userId.slice(options.userId.indexOf(":") + 1));
    const invite = this.sign(
      room.prototype({ type: "m.room.member", sender: options.sender, stateKey: options.userId, content: { membership: "invite" } }, options.originServerTs),
      room.version,
    );
    // The create event travels in full with the invite (MSC4311, spec v1.16 "Stripped state").
    const create = room.stateEvent("m.room.create");
    const signed = remote.must(await remote.invite(room.roomId, computeEventId(invite, room.version), { room_version: room.version.id, event: invite, invite_room_state: create ? [create.pdu] : [] })).event;
    return room.append(signed);
  }

  /** Joins a room on another server (make_join, then send_join v2) as a peer user. */
  async joinRemoteRoom(destination: string, roomId: string, localpart = "joiner"): Promise<PeerRoom> {
    const remote = this.to(destination);
    const template = remote.must(await remote.makeJoin(roomId, this.userId(localpart)));
    const room = new PeerRoom(template.room_version ?? "1", roomId);
    const join = this.sign({ ...template.event, origin_server_ts: Date.now() }, room.version);
    const eventId = computeEventId(join, room.version);
    const result = remote.must(await remote.sendJoin(roomId, eventId, join));
    room.adopt(result.auth_chain, false);
    room.adopt(result.state, true);
    room.adopt([result.event ?? join], true);
    // The state before the join is the one send_join returned (server-server-api/#put_matrixfederationv2send_joinroomideventid).
    if (result.members_omitted !== true) room.claimStateBefore(eventId, stateMapOf(result.state, room.version));
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
        const key = server === this.serverName ? this.#key.publicKey : await this.#remoteKeys.key(server, keyId).catch(() => undefined);
        if (key) (keys[server] ??= {})[keyId] = key;
      }
    }
    const verdict = verifyEvent(pdu, version, keys);
    return verdict.signaturesValid && verdict.contentHashMatches ? undefined : verdict.problems.join("; ") || "content hash does not match";
  }
}
