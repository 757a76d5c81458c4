import { z } from "zod";
import { userId } from "./common.ts";

// client-server-api/#get_matrixclientv3login
export const loginFlowsResponse = z.looseObject({
  flows: z.array(z.looseObject({ type: z.string() })),
});

// client-server-api/#post_matrixclientv3login
export const loginResponse = z.looseObject({
  user_id: userId,
  access_token: z.string().min(1),
  device_id: z.string().min(1),
  expires_in_ms: z.number().int().positive().optional(),
  refresh_token: z.string().optional(),
});

// client-server-api/#post_matrixclientv3register (inhibit_login omits the token and device)
export const registerResponse = z.looseObject({
  user_id: userId,
  access_token: z.string().min(1).optional(),
  device_id: z.string().min(1).optional(),
});

// client-server-api/#user-interactive-authentication-api: the 401 that starts or continues a flow
export const userInteractiveAuthResponse = z.looseObject({
  flows: z.array(z.looseObject({ stages: z.array(z.string()) })).min(1),
  params: z.record(z.string(), z.unknown()).optional(),
  session: z.string().optional(),
  completed: z.array(z.string()).optional(),
  errcode: z.string().optional(),
  error: z.string().optional(),
});
export type UserInteractiveAuth = z.infer<typeof userInteractiveAuthResponse>;

// client-server-api/#get_matrixclientv3registeravailable
export const availableResponse = z.looseObject({ available: z.literal(true) });

// client-server-api/#get_matrixclientv3accountwhoami
export const whoamiResponse = z.looseObject({
  user_id: userId,
  device_id: z.string().optional(),
  is_guest: z.boolean().optional(),
});
