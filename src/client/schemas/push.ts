import { z } from "zod";

// PushRule: client-server-api/#push-rules
export const pushRule = z.looseObject({
  rule_id: z.string(),
  default: z.boolean(),
  enabled: z.boolean(),
  actions: z.array(z.unknown()),
  conditions: z.array(z.looseObject({ kind: z.string() })).optional(),
  pattern: z.string().optional(),
});

// Ruleset: client-server-api/#get_matrixclientv3pushrules
export const ruleset = z.looseObject({
  override: z.array(pushRule).optional(),
  content: z.array(pushRule).optional(),
  room: z.array(pushRule).optional(),
  sender: z.array(pushRule).optional(),
  underride: z.array(pushRule).optional(),
});
export const pushRulesResponse = z.looseObject({ global: ruleset });
export const pushRuleEnabledResponse = z.looseObject({ enabled: z.boolean() });
export const pushRuleActionsResponse = z.looseObject({ actions: z.array(z.unknown()) });

// client-server-api/#get_matrixclientv3pushers
export const pushersResponse = z.looseObject({
  pushers: z
    .array(
      z.looseObject({
        pushkey: z.string(),
        kind: z.string(),
        app_id: z.string(),
        app_display_name: z.string(),
        device_display_name: z.string(),
        lang: z.string(),
        data: z.looseObject({ url: z.string().optional(), format: z.string().optional() }),
        profile_tag: z.string().optional(),
      }),
    )
    .optional(),
});

// client-server-api/#get_matrixclientv3notifications
export const notificationsResponse = z.looseObject({
  next_token: z.string().optional(),
  notifications: z.array(
    z.looseObject({
      actions: z.array(z.unknown()),
      event: z.looseObject({ event_id: z.string(), type: z.string() }),
      read: z.boolean(),
      room_id: z.string(),
      ts: z.number().int(),
      // Sent as null when the pusher has none by common servers; absent and null mean the same here.
      profile_tag: z.string().nullable().optional(),
    }),
  ),
});
