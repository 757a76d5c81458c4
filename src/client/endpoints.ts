import { z } from "zod";
import { endpoint } from "./endpoint.ts";
import { availableResponse, loginFlowsResponse, loginResponse, registerResponse, userInteractiveAuthResponse, whoamiResponse } from "./schemas/auth.ts";
import { clientEvent, emptyObject } from "./schemas/common.ts";
import { capabilitiesResponse, versionsResponse, wellKnownClient } from "./schemas/discovery.ts";
import {
  aliasResponse,
  contextResponse,
  createRoomResponse,
  eventIdResponse,
  joinedRoomsResponse,
  joinRoomResponse,
  messagesResponse,
  roomStateResponse,
} from "./schemas/rooms.ts";
import { filterIdResponse, syncResponse } from "./schemas/sync.ts";

const uia = { unauthorizedSchema: userInteractiveAuthResponse };

/** The client-server endpoints the client speaks, named as in the spec's inventory. */
export const endpoints = {
  versions: endpoint("GET", "/_matrix/client/versions", versionsResponse),
  wellKnownClient: endpoint("GET", "/.well-known/matrix/client", wellKnownClient),
  capabilities: endpoint("GET", "/_matrix/client/v3/capabilities", capabilitiesResponse),

  register: endpoint("POST", "/_matrix/client/v3/register", registerResponse, uia),
  registerAvailable: endpoint("GET", "/_matrix/client/v3/register/available", availableResponse),
  loginFlows: endpoint("GET", "/_matrix/client/v3/login", loginFlowsResponse),
  login: endpoint("POST", "/_matrix/client/v3/login", loginResponse),
  logout: endpoint("POST", "/_matrix/client/v3/logout", emptyObject),
  logoutAll: endpoint("POST", "/_matrix/client/v3/logout/all", emptyObject),
  whoami: endpoint("GET", "/_matrix/client/v3/account/whoami", whoamiResponse),

  createRoom: endpoint("POST", "/_matrix/client/v3/createRoom", createRoomResponse),
  resolveAlias: endpoint("GET", "/_matrix/client/v3/directory/room/{roomAlias}", aliasResponse),
  joinedRooms: endpoint("GET", "/_matrix/client/v3/joined_rooms", joinedRoomsResponse),
  join: endpoint("POST", "/_matrix/client/v3/join/{roomIdOrAlias}", joinRoomResponse),
  joinById: endpoint("POST", "/_matrix/client/v3/rooms/{roomId}/join", joinRoomResponse),
  leave: endpoint("POST", "/_matrix/client/v3/rooms/{roomId}/leave", emptyObject),
  invite: endpoint("POST", "/_matrix/client/v3/rooms/{roomId}/invite", emptyObject),
  kick: endpoint("POST", "/_matrix/client/v3/rooms/{roomId}/kick", emptyObject),
  ban: endpoint("POST", "/_matrix/client/v3/rooms/{roomId}/ban", emptyObject),
  unban: endpoint("POST", "/_matrix/client/v3/rooms/{roomId}/unban", emptyObject),
  forget: endpoint("POST", "/_matrix/client/v3/rooms/{roomId}/forget", emptyObject),

  sendEvent: endpoint("PUT", "/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}", eventIdResponse),
  sendState: endpoint("PUT", "/_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}", eventIdResponse),
  getStateEvent: endpoint("GET", "/_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}", z.record(z.string(), z.unknown())),
  getState: endpoint("GET", "/_matrix/client/v3/rooms/{roomId}/state", roomStateResponse),
  getEvent: endpoint("GET", "/_matrix/client/v3/rooms/{roomId}/event/{eventId}", clientEvent),
  messages: endpoint("GET", "/_matrix/client/v3/rooms/{roomId}/messages", messagesResponse),
  context: endpoint("GET", "/_matrix/client/v3/rooms/{roomId}/context/{eventId}", contextResponse),
  redact: endpoint("PUT", "/_matrix/client/v3/rooms/{roomId}/redact/{eventId}/{txnId}", eventIdResponse),

  sync: endpoint("GET", "/_matrix/client/v3/sync", syncResponse),
  createFilter: endpoint("POST", "/_matrix/client/v3/user/{userId}/filter", filterIdResponse),
} as const;
