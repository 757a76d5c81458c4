import { z } from "zod";
import type { JsonObject, Pdu } from "../protocol/index.ts";
import { publicRoomsResponse } from "../client/schemas/directory.ts";
import { deviceKeys, crossSigningKey } from "../client/schemas/keys.ts";
import { eventId, roomAlias, roomId, strippedStateEvent, userId } from "../client/schemas/common.ts";

// Response bodies of the server-server API (spec v1.19, server-server-api), for the suites to
// check what a homeserver answers another server.

/** A PDU in any room version: the fields every version has (server-server-api/#pdus, rooms/v*). */
const pduFields = z.looseObject({
  type: z.string(),
  sender: userId,
  room_id: roomId.optional(),
  content: z.record(z.string(), z.unknown()),
  state_key: z.string().optional(),
  depth: z.number().int().nonnegative(),
  origin_server_ts: z.number().int(),
  prev_events: z.array(z.unknown()),
  auth_events: z.array(z.unknown()),
  hashes: z.looseObject({ sha256: z.string() }),
  signatures: z.record(z.string(), z.record(z.string(), z.string())),
});

/** The PDU schema, typed as the protocol's `Pdu` so that checked bodies go to signing and hashing as they are. */
export const pdu = pduFields.transform((value) => value as Pdu);

/** A transaction carrying PDUs, as /event and /backfill answer (server-server-api/#transactions). */
export const pduTransaction = z.looseObject({
  origin: z.string().min(1),
  origin_server_ts: z.number().int(),
  pdus: z.array(pdu),
});

/** GET /_matrix/federation/v1/version. */
export const versionResponse = z.looseObject({
  server: z.looseObject({ name: z.string().optional(), version: z.string().optional() }),
});

/** GET /_matrix/federation/v1/state/{roomId}. */
export const stateResponse = z.looseObject({ auth_chain: z.array(pdu), pdus: z.array(pdu) });

/** GET /_matrix/federation/v1/state_ids/{roomId}. */
export const stateIdsResponse = z.looseObject({ auth_chain_ids: z.array(eventId), pdu_ids: z.array(eventId) });

/** GET /_matrix/federation/v1/event_auth/{roomId}/{eventId}. */
export const eventAuthResponse = z.looseObject({ auth_chain: z.array(pdu) });

/** POST /_matrix/federation/v1/get_missing_events/{roomId}. */
export const missingEventsResponse = z.looseObject({ events: z.array(pdu) });

/** GET /_matrix/federation/v1/timestamp_to_event/{roomId}. */
export const timestampToEventResponse = z.looseObject({ event_id: eventId, origin_server_ts: z.number().int() });

/** An event template, as make_join, make_leave and make_knock answer. */
const eventTemplateFields = z.looseObject({
  type: z.literal("m.room.member"),
  sender: userId,
  state_key: userId,
  room_id: roomId.optional(),
  content: z.looseObject({ membership: z.string() }),
  origin: z.string().optional(),
  origin_server_ts: z.number().int().optional(),
});

/** A membership event template as JSON, ready for the requesting server to complete and sign. */
export interface EventTemplate extends JsonObject {
  type: "m.room.member";
  sender: string;
  state_key: string;
  content: JsonObject & { membership: string };
}

export const eventTemplate = eventTemplateFields.transform((value) => value as JsonObject as EventTemplate);

/** GET make_join: without room_version the room is of version "1" or "2" (server-server-api/#get_matrixfederationv1make_joinroomiduserid). */
export const makeJoinResponse = z.looseObject({ room_version: z.string().optional(), event: eventTemplate });

/** PUT /_matrix/federation/v2/send_join/{roomId}/{eventId}: the room's state and auth chain before the join. */
export const sendJoinResponse = z.looseObject({
  // Required by the spec, but Synapse (1.160) leaves it out; the peer needs only the state and auth chain.
  origin: z.string().min(1).optional(),
  state: z.array(pdu),
  auth_chain: z.array(pdu),
  event: pdu.optional(),
  members_omitted: z.boolean().optional(),
  servers_in_room: z.array(z.string()).optional(),
});

/** PUT /_matrix/federation/v2/send_leave: an empty object. */
export const sendLeaveResponse = z.looseObject({});

/** PUT /_matrix/federation/v2/invite/{roomId}/{eventId}: the invite, countersigned by the invitee's server. */
export const inviteV2Response = z.looseObject({ event: pdu });

/** GET /_matrix/key/v2/server: a server's own keys, self-signed (server-server-api/#publishing-keys). */
export const serverKeysResponse = z.looseObject({
  server_name: z.string().min(1),
  valid_until_ts: z.number().int(),
  verify_keys: z.record(z.string(), z.looseObject({ key: z.string() })),
  old_verify_keys: z.record(z.string(), z.looseObject({ key: z.string(), expired_ts: z.number().int() })).optional(),
  signatures: z.record(z.string(), z.record(z.string(), z.string())),
}).transform((value) => value as JsonObject & typeof value);

/** GET make_leave / make_knock (room_version is required for knocks, optional for leaves in v1.19). */
export const makeLeaveResponse = z.looseObject({ room_version: z.string().optional(), event: eventTemplate });
export const makeKnockResponse = z.looseObject({ room_version: z.string(), event: eventTemplate });

/** PUT /_matrix/federation/v1/send_knock/{roomId}/{eventId}. */
export const sendKnockResponse = z.looseObject({ knock_room_state: z.array(strippedStateEvent) });

/** PUT /_matrix/federation/v1/invite (v1 answers `[200, {event}]`, an artefact kept for compatibility). */
export const inviteV1Response = z.tuple([z.literal(200), z.looseObject({ event: pdu })]);

/** The body of a multipart/mixed media response: checked by its parts, not by JSON schema. */
export const multipartBody = z.unknown();

/** PUT /_matrix/federation/v1/send/{txnId}: one result per PDU, with `error` when it was not accepted. */
export const sendTransactionResponse = z.looseObject({
  pdus: z.record(z.string(), z.looseObject({ error: z.string().optional() })),
});

/** GET /_matrix/federation/v1/query/directory. */
export const directoryQueryResponse = z.looseObject({ room_id: roomId, servers: z.array(z.string().min(1)).min(1) });

/** GET /_matrix/federation/v1/query/profile. */
export const profileQueryResponse = z.looseObject({ displayname: z.string().nullable().optional(), avatar_url: z.string().nullable().optional() });

/** GET and POST /_matrix/federation/v1/publicRooms: the client API's room directory page. */
export { publicRoomsResponse };

const hierarchyRoom = z.looseObject({
  room_id: roomId,
  num_joined_members: z.number().int().nonnegative(),
  world_readable: z.boolean(),
  guest_can_join: z.boolean(),
  join_rule: z.string().optional(),
  room_type: z.string().optional(),
  canonical_alias: roomAlias.optional(),
  name: z.string().optional(),
  children_state: z.array(strippedStateEvent.extend({ origin_server_ts: z.number().int() })),
});

/** GET /_matrix/federation/v1/hierarchy/{roomId}. */
export const hierarchyResponse = z.looseObject({
  room: hierarchyRoom,
  children: z.array(hierarchyRoom.omit({ children_state: true }).extend({ children_state: z.array(z.unknown()).optional() })),
  inaccessible_children: z.array(roomId),
});

/** GET /_matrix/federation/v1/user/devices/{userId}. */
export const userDevicesResponse = z.looseObject({
  user_id: userId,
  stream_id: z.number().int(),
  devices: z.array(z.looseObject({ device_id: z.string(), keys: deviceKeys, device_display_name: z.string().optional() })),
  master_key: crossSigningKey.optional(),
  self_signing_key: crossSigningKey.optional(),
});

/** POST /_matrix/federation/v1/user/keys/query. */
export const userKeysQueryResponse = z.looseObject({
  device_keys: z.record(userId, z.record(z.string(), deviceKeys)),
  master_keys: z.record(userId, crossSigningKey).optional(),
  self_signing_keys: z.record(userId, crossSigningKey).optional(),
});

/** POST /_matrix/federation/v1/user/keys/claim. */
export const userKeysClaimResponse = z.looseObject({
  one_time_keys: z.record(userId, z.record(z.string(), z.record(z.string(), z.union([z.string(), z.looseObject({ key: z.string() })])))),
});

/** GET /_matrix/federation/v1/openid/userinfo. */
export const openIdUserInfoResponse = z.looseObject({ sub: userId });

/** POST /_matrix/key/v2/query: server key responses, each signed by its server (and the notary). */
export const serverKeysBatchResponse = z.looseObject({
  server_keys: z.array(z.looseObject({ server_name: z.string(), valid_until_ts: z.number().int() }).transform((value) => value as JsonObject & typeof value)),
});
