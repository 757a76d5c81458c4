import { z } from "zod";

// client-server-api/#get_matrixclientversions
export const versionsResponse = z.looseObject({
  versions: z.array(z.string().regex(/^(r0\.\d+\.\d+|v\d+\.\d+)$/, "a spec version such as v1.11")),
  unstable_features: z.record(z.string(), z.boolean()).optional(),
});

// client-server-api/#getwell-knownmatrixclient
export const wellKnownClient = z.looseObject({
  "m.homeserver": z.looseObject({ base_url: z.url() }),
  "m.identity_server": z.looseObject({ base_url: z.string() }).optional(),
});

// client-server-api/#get_matrixclientv3capabilities
export const capabilitiesResponse = z.looseObject({
  capabilities: z.looseObject({
    "m.room_versions": z
      .looseObject({ default: z.string(), available: z.record(z.string(), z.enum(["stable", "unstable"])) })
      .optional(),
  }),
});
