import type { z } from "zod";
import { headerFields, type MatrixResponse } from "../client/client.ts";
import { endpointName, fillTemplate, type HttpMethod } from "../client/endpoint.ts";
import { SchemaViolationError, UnexpectedResponseError } from "../client/errors.ts";
import { noteAssertion, type Exchange, type ExchangeLog } from "../client/exchange.ts";
import { checkSchema, describeProblems } from "../client/schema-check.ts";
import type { JsonObject, JsonValue, Pdu } from "../protocol/index.ts";
import { federationEndpoints as fed, type FederationEndpoint } from "./endpoints.ts";
import type { FederationClient } from "./transport.ts";

/** Query values; an array repeats the parameter (`ver=10&ver=11`, `v=$a&v=$b`). */
export type FederationQuery = Record<string, string | number | boolean | readonly string[] | undefined>;

/**
 * How a request is authenticated. Default: as the endpoint requires. `none`: no Authorization header.
 * An object: X-Matrix signed with other parameters than the true ones, for refusal tests.
 */
export type FederationAuth = "none" | { destination?: string; seed?: Uint8Array };

export interface FederationCallOptions {
  path?: Record<string, string>;
  query?: FederationQuery;
  body?: JsonValue;
  auth?: FederationAuth;
  /** Another method than the endpoint's, on the endpoint's path: for the spec's 405 M_UNRECOGNIZED (server-server-api/#unsupported-endpoints). */
  method?: HttpMethod;
}

/** A server-server response: the client's response shape, plus the raw body for multipart media. */
export interface FederationResult<T> extends MatrixResponse<T> {
  text: string;
  bytes: Buffer;
}

/** A request the peer made and what the other server answered, for checks of what that server sends. */
export interface ObservedAnswer {
  server: string;
  ep: FederationEndpoint;
  options: FederationCallOptions;
  status: number;
  body: unknown;
}

/** Signs an X-Matrix Authorization header as the peer, optionally with another destination or key. */
export type RequestSigner = (request: { method: string; uri: string; destination: string; content?: JsonValue }, seed?: Uint8Array) => string;

/** Every room version the peer can handle, offered in make_join and make_knock. */
export const ALL_ROOM_VERSIONS: readonly string[] = Array.from({ length: 12 }, (_, i) => String(i + 1));

function queryString(query: FederationQuery | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, String(one));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/**
 * One homeserver as the federation peer speaks to it: every server-server endpoint as a typed
 * call whose success body is checked against the spec's schema, so suites never build a URL.
 */
export class RemoteServer {
  readonly serverName: string;
  readonly log: ExchangeLog | undefined;
  readonly #transport: FederationClient;
  readonly #sign: RequestSigner;
  readonly #observe: ((answer: ObservedAnswer) => void) | undefined;

  constructor(serverName: string, transport: FederationClient, sign: RequestSigner, log?: ExchangeLog, observe?: (answer: ObservedAnswer) => void) {
    this.serverName = serverName;
    this.#transport = transport;
    this.#sign = sign;
    this.log = log;
    this.#observe = observe;
  }

  /** Performs one request; resolves for any HTTP status, rejects when a success body breaks the endpoint's schema. */
  async call<S extends z.ZodType>(ep: FederationEndpoint<S>, options: FederationCallOptions = {}): Promise<FederationResult<z.infer<S>>> {
    const uri = `${fillTemplate(ep.template, options.path ?? {})}${queryString(options.query)}`;
    const content = options.body;
    const method = options.method ?? ep.method;
    const exchange: Exchange = { method, path: uri, endpoint: endpointName(ep), startedAt: Date.now(), durationMs: 0 };
    if (content !== undefined) exchange.requestBody = content;
    this.log?.add(exchange);
    const auth = options.auth ?? (ep.auth === "x-matrix" ? {} : "none");
    const authorization =
      auth === "none"
        ? undefined
        : this.#sign({ method, uri, destination: auth.destination ?? this.serverName, ...(content !== undefined ? { content } : {}) }, auth.seed);
    let response;
    try {
      response = await this.#transport.requestWithAuthorization(this.serverName, method, uri, authorization, content);
    } catch (error) {
      exchange.error = (error as Error).message;
      throw error;
    } finally {
      exchange.durationMs = Date.now() - exchange.startedAt;
    }
    exchange.status = response.status;
    exchange.contentType = String(response.headers["content-type"] ?? "");
    if (response.json !== undefined) exchange.responseBody = response.json;
    else exchange.responseText = ep.format === "multipart" ? `<${response.bytes.length} bytes of ${exchange.contentType}>` : response.text.slice(0, 2000);
    const ok = response.status >= 200 && response.status < 300;
    if (ep.format === "json") this.#observe?.({ server: this.serverName, ep, options, status: response.status, body: response.json });
    if (ok && ep.format === "json") {
      const problems = checkSchema(ep.schema, response.json);
      if (problems.length > 0) throw new SchemaViolationError(`${exchange.endpoint}: HTTP ${response.status}, the success body violates the spec's schema:\n${describeProblems(problems)}`, exchange);
    }
    return { status: response.status, ok, body: response.json as z.infer<S>, endpoint: exchange.endpoint, exchange, text: response.text, bytes: response.bytes, headers: headerFields(response.headers) };
  }

  /** The body of a response that must have `status`, else a failure naming the request and response. */
  must<T>(response: FederationResult<T>, status = 200): T {
    if (response.status !== status) {
      const errcode = (response.exchange.responseBody as { errcode?: unknown } | undefined)?.errcode;
      throw new UnexpectedResponseError(`${response.endpoint} on ${this.serverName}: expected HTTP ${status}, got ${response.status}${typeof errcode === "string" ? ` ${errcode}` : ""}`, response.exchange);
    }
    noteAssertion(response.exchange, status);
    return response.body;
  }

  // Discovery and keys: server-server-api/#get_matrixfederationv1version, #retrieving-server-keys
  version() {
    return this.call(fed.version);
  }
  serverKeys() {
    return this.call(fed.serverKeys);
  }
  notaryQuery(serverName: string) {
    return this.call(fed.notaryQuery, { path: { serverName } });
  }
  notaryBatchQuery(serverKeys: Record<string, JsonObject>) {
    return this.call(fed.notaryBatchQuery, { body: { server_keys: serverKeys } });
  }

  // Transactions and room history: server-server-api/#transactions, #retrieving-events
  sendTransaction(txnId: string, transaction: { origin: string; pdus: Pdu[]; edus?: JsonObject[]; origin_server_ts?: number }, auth?: FederationAuth) {
    const { edus, ...rest } = transaction;
    const body: JsonObject = { origin_server_ts: Date.now(), ...rest, ...(edus ? { edus } : {}) };
    return this.call(fed.sendTransaction, { path: { txnId }, body, ...(auth ? { auth } : {}) });
  }
  getEvent(eventId: string) {
    return this.call(fed.getEvent, { path: { eventId } });
  }
  state(roomId: string, eventId: string) {
    return this.call(fed.state, { path: { roomId }, query: { event_id: eventId } });
  }
  stateIds(roomId: string, eventId: string) {
    return this.call(fed.stateIds, { path: { roomId }, query: { event_id: eventId } });
  }
  eventAuth(roomId: string, eventId: string) {
    return this.call(fed.eventAuth, { path: { roomId, eventId } });
  }
  backfill(roomId: string, from: readonly string[], limit: number) {
    return this.call(fed.backfill, { path: { roomId }, query: { v: from, limit } });
  }
  missingEvents(roomId: string, request: { earliest_events: string[]; latest_events: string[]; limit?: number; min_depth?: number }) {
    return this.call(fed.missingEvents, { path: { roomId }, body: request });
  }
  timestampToEvent(roomId: string, ts: number, dir: "b" | "f") {
    return this.call(fed.timestampToEvent, { path: { roomId }, query: { ts, dir } });
  }

  // Membership: server-server-api/#joining-rooms, #leaving-rooms-rejecting-invites, #knocking-upon-a-room, #inviting-to-a-room
  makeJoin(roomId: string, userId: string, versions: readonly string[] = ALL_ROOM_VERSIONS) {
    return this.call(fed.makeJoin, { path: { roomId, userId }, query: { ver: versions } });
  }
  sendJoin(roomId: string, eventId: string, event: Pdu) {
    return this.call(fed.sendJoin, { path: { roomId, eventId }, body: event });
  }
  makeLeave(roomId: string, userId: string) {
    return this.call(fed.makeLeave, { path: { roomId, userId } });
  }
  sendLeave(roomId: string, eventId: string, event: Pdu) {
    return this.call(fed.sendLeave, { path: { roomId, eventId }, body: event });
  }
  makeKnock(roomId: string, userId: string, versions: readonly string[] = ALL_ROOM_VERSIONS) {
    return this.call(fed.makeKnock, { path: { roomId, userId }, query: { ver: versions } });
  }
  sendKnock(roomId: string, eventId: string, event: Pdu) {
    return this.call(fed.sendKnock, { path: { roomId, eventId }, body: event });
  }
  inviteV1(roomId: string, eventId: string, event: Pdu) {
    return this.call(fed.inviteV1, { path: { roomId, eventId }, body: event });
  }
  invite(roomId: string, eventId: string, request: { room_version: string; event: Pdu; invite_room_state: Pdu[] }) {
    return this.call(fed.invite, { path: { roomId, eventId }, body: request });
  }

  // Queries and directories: server-server-api/#querying-for-information, #public-room-directory, #spaces, #openid
  queryDirectory(roomAlias: string) {
    return this.call(fed.queryDirectory, { query: { room_alias: roomAlias } });
  }
  queryProfile(userId: string, field?: string) {
    return this.call(fed.queryProfile, { query: { user_id: userId, field } });
  }
  publicRooms(query: { limit?: number; since?: string; include_all_networks?: boolean; third_party_instance_id?: string } = {}) {
    return this.call(fed.publicRooms, { query });
  }
  searchPublicRooms(request: JsonObject) {
    return this.call(fed.searchPublicRooms, { body: request });
  }
  hierarchy(roomId: string, suggestedOnly?: boolean) {
    return this.call(fed.hierarchy, { path: { roomId }, query: { suggested_only: suggestedOnly } });
  }
  openIdUserInfo(accessToken: string) {
    return this.call(fed.openIdUserInfo, { query: { access_token: accessToken } });
  }

  // End-to-end encryption: server-server-api/#end-to-end-encryption
  userDevices(userId: string) {
    return this.call(fed.userDevices, { path: { userId } });
  }
  keysQuery(deviceKeys: Record<string, string[]>) {
    return this.call(fed.keysQuery, { body: { device_keys: deviceKeys } });
  }
  keysClaim(oneTimeKeys: Record<string, Record<string, string>>) {
    return this.call(fed.keysClaim, { body: { one_time_keys: oneTimeKeys } });
  }

  // Content repository: server-server-api/#content-repository (multipart bodies; read them with parseMultipart)
  mediaDownload(mediaId: string, query: { timeout_ms?: number } = {}) {
    return this.call(fed.mediaDownload, { path: { mediaId }, query });
  }
  mediaThumbnail(mediaId: string, query: { width: number; height: number; method?: "crop" | "scale"; animated?: boolean; timeout_ms?: number }) {
    return this.call(fed.mediaThumbnail, { path: { mediaId }, query });
  }
}
