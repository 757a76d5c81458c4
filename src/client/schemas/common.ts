import { z } from "zod";

// Identifier grammars: appendices/#identifier-grammar. Room IDs of room version 12 have no server part.
export const userId = z.string().regex(/^@[^:]+:.+$/, "a user ID (@localpart:server)");
export const roomId = z.string().regex(/^!.+$/, "a room ID (!opaque)");
export const eventId = z.string().regex(/^\$.+$/, "an event ID ($opaque)");
export const roomAlias = z.string().regex(/^#[^:]+:.+$/, "a room alias (#alias:server)");

/** The standard error response: client-server-api/#standard-error-response. */
export const matrixError = z.looseObject({
  errcode: z.string().regex(/^[A-Z0-9_.]+$/i, "an error code such as M_FORBIDDEN"),
  error: z.string().optional(),
});
export type MatrixErrorBody = z.infer<typeof matrixError>;

export const emptyObject = z.looseObject({});

/** ClientEventWithoutRoomID, as /sync delivers events: client-server-api/#get_matrixclientv3sync. */
export const syncEvent = z.looseObject({
  event_id: eventId,
  type: z.string(),
  sender: userId,
  origin_server_ts: z.number().int(),
  content: z.record(z.string(), z.unknown()),
  state_key: z.string().optional(),
  unsigned: z.looseObject({}).optional(),
});

/** ClientEvent: client-server-api/#room-event-format. */
export const clientEvent = syncEvent.extend({ room_id: roomId });
export type ClientEvent = z.infer<typeof clientEvent>;

/** StrippedStateEvent, as invites carry room state: client-server-api/#stripped-state. */
export const strippedStateEvent = z.looseObject({
  type: z.string(),
  state_key: z.string(),
  sender: userId,
  content: z.record(z.string(), z.unknown()),
});
