import { z } from "zod";
import { clientEvent, eventId, roomId } from "./common.ts";

// client-server-api/#post_matrixclientv3createroom
export const createRoomResponse = z.looseObject({ room_id: roomId });

// client-server-api/#post_matrixclientv3joinroomidoralias
export const joinRoomResponse = z.looseObject({ room_id: roomId });

// client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid (and the state and redact variants)
export const eventIdResponse = z.looseObject({ event_id: eventId });

// client-server-api/#get_matrixclientv3roomsroomidstate
export const roomStateResponse = z.array(clientEvent);

// client-server-api/#get_matrixclientv3roomsroomidmessages
export const messagesResponse = z.looseObject({
  start: z.string(),
  end: z.string().optional(),
  chunk: z.array(clientEvent),
  state: z.array(clientEvent).optional(),
});

// client-server-api/#get_matrixclientv3roomsroomidcontexteventid
export const contextResponse = z.looseObject({
  start: z.string().optional(),
  end: z.string().optional(),
  event: clientEvent.optional(),
  events_before: z.array(clientEvent).optional(),
  events_after: z.array(clientEvent).optional(),
  state: z.array(clientEvent).optional(),
});

// client-server-api/#get_matrixclientv3directoryroomroomalias
export const aliasResponse = z.looseObject({ room_id: roomId, servers: z.array(z.string()).min(1) });

// client-server-api/#get_matrixclientv3joined_rooms
export const joinedRoomsResponse = z.looseObject({ joined_rooms: z.array(roomId) });
