import { z } from "zod";
import { clientEvent, roomAlias, roomId, strippedStateEvent, userId } from "./common.ts";

// PublishedRoomsChunk: client-server-api/#get_matrixclientv3publicrooms
export const publishedRoom = z.looseObject({
  room_id: roomId,
  num_joined_members: z.number().int().nonnegative(),
  world_readable: z.boolean(),
  guest_can_join: z.boolean(),
  name: z.string().optional(),
  topic: z.string().optional(),
  canonical_alias: roomAlias.optional(),
  join_rule: z.string().optional(),
  room_type: z.string().optional(),
});
export const publicRoomsResponse = z.looseObject({
  chunk: z.array(publishedRoom),
  next_batch: z.string().optional(),
  prev_batch: z.string().optional(),
  total_room_count_estimate: z.number().int().optional(),
});

// client-server-api/#get_matrixclientv3directorylistroomroomid
export const visibilityResponse = z.looseObject({ visibility: z.enum(["public", "private"]) });

// client-server-api/#get_matrixclientv3roomsroomidaliases
export const aliasesResponse = z.looseObject({ aliases: z.array(roomAlias) });

// client-server-api/#post_matrixclientv3user_directorysearch
export const userDirectoryResponse = z.looseObject({
  limited: z.boolean(),
  // Common servers send null for a user without a display name or avatar; absent and null mean the same here.
  results: z.array(z.looseObject({ user_id: userId, display_name: z.string().nullable().optional(), avatar_url: z.string().nullable().optional() })),
});

// client-server-api/#get_matrixclientv1roomsroomidhierarchy
export const hierarchyResponse = z.looseObject({
  rooms: z.array(publishedRoom.extend({ children_state: z.array(strippedStateEvent.extend({ origin_server_ts: z.number().int() })) })),
  next_batch: z.string().optional(),
});

// client-server-api/#get_matrixclientv1room_summaryroomidoralias
export const roomSummaryResponse = publishedRoom.extend({ membership: z.string().optional(), room_version: z.string().optional() });

// client-server-api/#get_matrixclientv3thirdpartyprotocols
export const protocolsResponse = z.record(z.string(), z.looseObject({}));
export const thirdPartyLocations = z.array(z.looseObject({ alias: roomAlias, protocol: z.string() }));
export const thirdPartyUsers = z.array(z.looseObject({ userid: userId, protocol: z.string() }));

// client-server-api/#get_matrixclientv1mutual_rooms
export const mutualRoomsResponse = z.looseObject({ joined: z.array(roomId), next_batch: z.string().optional() });

export { clientEvent };
