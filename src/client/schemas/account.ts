import { z } from "zod";
import { userId } from "./common.ts";

// client-server-api/#get_matrixclientv3account3pid
export const threepidsResponse = z.looseObject({
  threepids: z.array(z.looseObject({ medium: z.string(), address: z.string(), validated_at: z.number().int(), added_at: z.number().int() })),
});

// client-server-api/#post_matrixclientv3accountdeactivate (and 3pid/delete, 3pid/unbind)
export const idServerUnbindResponse = z.looseObject({ id_server_unbind_result: z.enum(["success", "no-support"]) });

// client-server-api/#post_matrixclientv3account3pidemailrequesttoken
export const requestTokenResponse = z.looseObject({ sid: z.string().min(1), submit_url: z.string().optional() });

// client-server-api/#get_matrixclientv3profileuserid
export const profileResponse = z.looseObject({ displayname: z.string().optional(), avatar_url: z.string().optional() });

// client-server-api/#get_matrixclientv3profileuseridkeyname: one field keyed by its name
export const profileFieldResponse = z.record(z.string(), z.unknown());

// client-server-api/#get_matrixclientv3devices
// Servers commonly send null for an absent optional field; the spec-strict shape is `strictDevice`.
export const device = z.looseObject({
  device_id: z.string().min(1),
  display_name: z.string().nullable().optional(),
  last_seen_ip: z.string().nullable().optional(),
  last_seen_ts: z.number().int().nullable().optional(),
});
export const strictDevice = z.looseObject({
  device_id: z.string().min(1),
  display_name: z.string().optional(),
  last_seen_ip: z.string().optional(),
  last_seen_ts: z.number().int().optional(),
});
export const devicesResponse = z.looseObject({ devices: z.array(device) });

// client-server-api/#post_matrixclientv3refresh
export const refreshResponse = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in_ms: z.number().int().positive().optional(),
});

// client-server-api/#post_matrixclientv3useruseridopenidrequest_token
export const openIdTokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.literal("Bearer"),
  matrix_server_name: z.string().min(1),
  expires_in: z.number().int().positive(),
});

// client-server-api/#get_matrixclientv3adminwhoisuserid
export const whoisResponse = z.looseObject({
  user_id: userId.optional(),
  devices: z.record(z.string(), z.looseObject({ sessions: z.array(z.looseObject({ connections: z.array(z.looseObject({})).optional() })).optional() })).optional(),
});

// client-server-api/#get_matrixclientv1adminsuspenduserid and the lock variant
export const suspendedResponse = z.looseObject({ suspended: z.boolean() });
export const lockedResponse = z.looseObject({ locked: z.boolean() });

// client-server-api/#post_matrixclientv1loginget_token
export const loginTokenResponse = z.looseObject({ login_token: z.string().min(1), expires_in_ms: z.number().int().positive() });

// client-server-api/#get_matrixclientv1registermloginregistration_tokenvalidity
export const tokenValidityResponse = z.looseObject({ valid: z.boolean() });

// client-server-api/#get_matrixclientv1auth_metadata
export const authMetadataResponse = z.looseObject({ issuer: z.string(), authorization_endpoint: z.string(), token_endpoint: z.string() });
