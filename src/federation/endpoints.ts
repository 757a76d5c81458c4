import type { z } from "zod";
import type { Endpoint, HttpMethod } from "../client/endpoint.ts";
import {
  directoryQueryResponse,
  eventAuthResponse,
  hierarchyResponse,
  inviteV1Response,
  inviteV2Response,
  makeJoinResponse,
  makeKnockResponse,
  makeLeaveResponse,
  missingEventsResponse,
  multipartBody,
  openIdUserInfoResponse,
  pduTransaction,
  profileQueryResponse,
  publicRoomsResponse,
  sendJoinResponse,
  sendKnockResponse,
  sendLeaveResponse,
  sendTransactionResponse,
  serverKeysBatchResponse,
  serverKeysResponse,
  stateIdsResponse,
  stateResponse,
  timestampToEventResponse,
  userDevicesResponse,
  userKeysClaimResponse,
  userKeysQueryResponse,
  versionResponse,
} from "./schemas.ts";

/** A server-server endpoint: how it is authenticated and what its success body is. */
export interface FederationEndpoint<S extends z.ZodType = z.ZodType> extends Endpoint<S> {
  /** `x-matrix`: signed by the requesting server (server-server-api/#request-authentication); `none`: keys, version, OpenID. */
  auth: "x-matrix" | "none";
  /** `multipart`: the media endpoints answer multipart/mixed, which the schema does not describe. */
  format: "json" | "multipart";
}

function signed<S extends z.ZodType>(method: HttpMethod, template: string, schema: S): FederationEndpoint<S> {
  return { method, template, schema, auth: "x-matrix", format: "json" };
}

function open<S extends z.ZodType>(method: HttpMethod, template: string, schema: S): FederationEndpoint<S> {
  return { method, template, schema, auth: "none", format: "json" };
}

function media(template: string): FederationEndpoint<typeof multipartBody> {
  return { method: "GET", template, schema: multipartBody, auth: "x-matrix", format: "multipart" };
}

/** The server-server endpoints the federation peer speaks, named as in the spec's inventory (spec v1.19). */
export const federationEndpoints = {
  version: open("GET", "/_matrix/federation/v1/version", versionResponse),
  serverKeys: open("GET", "/_matrix/key/v2/server", serverKeysResponse),
  notaryQuery: open("GET", "/_matrix/key/v2/query/{serverName}", serverKeysBatchResponse),
  notaryBatchQuery: open("POST", "/_matrix/key/v2/query", serverKeysBatchResponse),

  sendTransaction: signed("PUT", "/_matrix/federation/v1/send/{txnId}", sendTransactionResponse),
  getEvent: signed("GET", "/_matrix/federation/v1/event/{eventId}", pduTransaction),
  state: signed("GET", "/_matrix/federation/v1/state/{roomId}", stateResponse),
  stateIds: signed("GET", "/_matrix/federation/v1/state_ids/{roomId}", stateIdsResponse),
  eventAuth: signed("GET", "/_matrix/federation/v1/event_auth/{roomId}/{eventId}", eventAuthResponse),
  backfill: signed("GET", "/_matrix/federation/v1/backfill/{roomId}", pduTransaction),
  missingEvents: signed("POST", "/_matrix/federation/v1/get_missing_events/{roomId}", missingEventsResponse),
  timestampToEvent: signed("GET", "/_matrix/federation/v1/timestamp_to_event/{roomId}", timestampToEventResponse),

  makeJoin: signed("GET", "/_matrix/federation/v1/make_join/{roomId}/{userId}", makeJoinResponse),
  sendJoin: signed("PUT", "/_matrix/federation/v2/send_join/{roomId}/{eventId}", sendJoinResponse),
  makeLeave: signed("GET", "/_matrix/federation/v1/make_leave/{roomId}/{userId}", makeLeaveResponse),
  sendLeave: signed("PUT", "/_matrix/federation/v2/send_leave/{roomId}/{eventId}", sendLeaveResponse),
  makeKnock: signed("GET", "/_matrix/federation/v1/make_knock/{roomId}/{userId}", makeKnockResponse),
  sendKnock: signed("PUT", "/_matrix/federation/v1/send_knock/{roomId}/{eventId}", sendKnockResponse),
  inviteV1: signed("PUT", "/_matrix/federation/v1/invite/{roomId}/{eventId}", inviteV1Response),
  invite: signed("PUT", "/_matrix/federation/v2/invite/{roomId}/{eventId}", inviteV2Response),

  query: signed("GET", "/_matrix/federation/v1/query/{queryType}", directoryQueryResponse.or(profileQueryResponse)),
  queryDirectory: signed("GET", "/_matrix/federation/v1/query/directory", directoryQueryResponse),
  queryProfile: signed("GET", "/_matrix/federation/v1/query/profile", profileQueryResponse),
  publicRooms: signed("GET", "/_matrix/federation/v1/publicRooms", publicRoomsResponse),
  searchPublicRooms: signed("POST", "/_matrix/federation/v1/publicRooms", publicRoomsResponse),
  hierarchy: signed("GET", "/_matrix/federation/v1/hierarchy/{roomId}", hierarchyResponse),
  openIdUserInfo: open("GET", "/_matrix/federation/v1/openid/userinfo", openIdUserInfoResponse),

  userDevices: signed("GET", "/_matrix/federation/v1/user/devices/{userId}", userDevicesResponse),
  keysQuery: signed("POST", "/_matrix/federation/v1/user/keys/query", userKeysQueryResponse),
  keysClaim: signed("POST", "/_matrix/federation/v1/user/keys/claim", userKeysClaimResponse),

  mediaDownload: media("/_matrix/federation/v1/media/download/{mediaId}"),
  mediaThumbnail: media("/_matrix/federation/v1/media/thumbnail/{mediaId}"),
} as const;
