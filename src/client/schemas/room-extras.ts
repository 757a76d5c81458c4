import { z } from "zod";
import { clientEvent, eventId, roomId } from "./common.ts";

// client-server-api/#post_matrixclientv3roomsroomidupgrade
export const upgradeResponse = z.looseObject({ replacement_room: roomId });

// client-server-api/#get_matrixclientv1roomsroomidrelationseventid
export const relationsResponse = z.looseObject({
  chunk: z.array(clientEvent),
  next_batch: z.string().optional(),
  prev_batch: z.string().optional(),
  recursion_depth: z.number().int().optional(),
});

// client-server-api/#get_matrixclientv1roomsroomidthreads
export const threadsResponse = z.looseObject({ chunk: z.array(clientEvent), next_batch: z.string().optional() });

// client-server-api/#get_matrixclientv1roomsroomidtimestamp_to_event
export const timestampToEventResponse = z.looseObject({ event_id: eventId, origin_server_ts: z.number().int() });

// client-server-api/#get_matrixclientv3roomsroomidjoined_members
export const joinedMembersResponse = z.looseObject({
  joined: z.record(z.string(), z.looseObject({ display_name: z.string().nullable().optional(), avatar_url: z.string().nullable().optional() })),
});

// client-server-api/#get_matrixclientv3roomsroomidmembers
export const membersResponse = z.looseObject({ chunk: z.array(clientEvent) });

// client-server-api/#get_matrixclientv3roomsroomidinitialsync
export const roomInitialSyncResponse = z.looseObject({
  room_id: roomId,
  membership: z.string().optional(),
  messages: z.looseObject({ chunk: z.array(clientEvent), start: z.string().optional(), end: z.string() }).optional(),
  state: z.array(clientEvent).optional(),
});

// client-server-api/#post_matrixclientv3search
export const searchResponse = z.looseObject({
  search_categories: z.looseObject({
    room_events: z
      .looseObject({
        count: z.number().int().optional(),
        highlights: z.array(z.string()).optional(),
        next_batch: z.string().optional(),
        results: z.array(z.looseObject({ rank: z.number().optional(), result: clientEvent.optional() })).optional(),
        groups: z.looseObject({}).optional(),
        state: z.looseObject({}).optional(),
      })
      .optional(),
  }),
});

// client-server-api/#get_matrixclientv3presenceuseridstatus
export const presenceResponse = z.looseObject({
  presence: z.enum(["online", "offline", "unavailable"]),
  last_active_ago: z.number().int().optional(),
  status_msg: z.string().nullable().optional(),
  currently_active: z.boolean().optional(),
});

// client-server-api/#get_matrixclientv3useruseridroomsroomidtags
export const tagsResponse = z.looseObject({ tags: z.record(z.string(), z.looseObject({ order: z.number().optional() })) });

// client-server-api/#get_matrixclientv3voipturnserver
export const turnServerResponse = z.looseObject({ username: z.string(), password: z.string(), uris: z.array(z.string()), ttl: z.number().int() });

// client-server-api/#get_matrixclientv3events (peeking)
export const eventsResponse = z.looseObject({ start: z.string().optional(), end: z.string().optional(), chunk: z.array(clientEvent) });

// client-server-api/#getwell-knownmatrixsupport
export const supportResponse = z.looseObject({ contacts: z.array(z.looseObject({ role: z.string() })).optional(), support_page: z.string().optional() });

// client-server-api/#getwell-knownmatrixpolicy_server
export const policyServerResponse = z.looseObject({ public_key: z.string() });

// client-server-api/#get_matrixclientv3useruseridfilterfilterid
export const filterResponse = z.looseObject({
  event_fields: z.array(z.string()).optional(),
  event_format: z.enum(["client", "federation"]).optional(),
  presence: z.looseObject({}).optional(),
  account_data: z.looseObject({}).optional(),
  room: z.looseObject({}).optional(),
});
