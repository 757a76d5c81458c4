import { z } from "zod";
import { strippedStateEvent, syncEvent } from "./common.ts";

const eventList = z.looseObject({ events: z.array(syncEvent).optional() });

const timeline = z.looseObject({
  events: z.array(syncEvent),
  limited: z.boolean().optional(),
  prev_batch: z.string().optional(),
});

export const joinedRoomSync = z.looseObject({
  timeline: timeline.optional(),
  state: eventList.optional(),
  ephemeral: z.looseObject({ events: z.array(z.looseObject({ type: z.string(), content: z.looseObject({}) })).optional() }).optional(),
  account_data: z.looseObject({ events: z.array(z.looseObject({ type: z.string(), content: z.looseObject({}) })).optional() }).optional(),
});

export const leftRoomSync = z.looseObject({
  timeline: timeline.optional(),
  state: eventList.optional(),
});

export const invitedRoomSync = z.looseObject({
  invite_state: z.looseObject({ events: z.array(strippedStateEvent).optional() }).optional(),
});

// client-server-api/#get_matrixclientv3sync
export const syncResponse = z.looseObject({
  next_batch: z.string().min(1),
  rooms: z
    .looseObject({
      join: z.record(z.string(), joinedRoomSync).optional(),
      invite: z.record(z.string(), invitedRoomSync).optional(),
      leave: z.record(z.string(), leftRoomSync).optional(),
      knock: z.record(z.string(), z.looseObject({ knock_state: z.looseObject({ events: z.array(strippedStateEvent).optional() }).optional() })).optional(),
    })
    .optional(),
  presence: z.looseObject({ events: z.array(z.looseObject({ type: z.string(), sender: z.string(), content: z.looseObject({}) })).optional() }).optional(),
  account_data: z.looseObject({ events: z.array(z.looseObject({ type: z.string(), content: z.looseObject({}) })).optional() }).optional(),
  to_device: z.looseObject({ events: z.array(z.looseObject({ type: z.string(), sender: z.string(), content: z.looseObject({}) })).optional() }).optional(),
  device_lists: z.looseObject({ changed: z.array(z.string()).optional(), left: z.array(z.string()).optional() }).optional(),
  device_one_time_keys_count: z.record(z.string(), z.number().int()).optional(),
  device_unused_fallback_key_types: z.array(z.string()).optional(),
});
export type SyncResponse = z.infer<typeof syncResponse>;
export type SyncEvent = z.infer<typeof syncEvent>;

// client-server-api/#post_matrixclientv3useruseridfilter
export const filterIdResponse = z.looseObject({ filter_id: z.string().min(1) });
