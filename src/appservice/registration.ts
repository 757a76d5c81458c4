import { randomBytes } from "node:crypto";

/** One namespace entry (application service API, "Registration"): a regex over full IDs. */
export interface AppserviceNamespace {
  exclusive: boolean;
  regex: string;
}

/**
 * An application service registration as a homeserver loads it. JSON is valid YAML, so
 * `JSON.stringify(registration)` serves as the registration file.
 */
export interface AppserviceRegistration {
  id: string;
  url: string;
  as_token: string;
  hs_token: string;
  sender_localpart: string;
  namespaces: { users: AppserviceNamespace[]; aliases: AppserviceNamespace[]; rooms: AppserviceNamespace[] };
  protocols: string[];
  rate_limited: boolean;
}

/** The third-party protocol the harness's application service bridges. */
export const APPSERVICE_PROTOCOL = "gauntlet";

/**
 * A fresh registration for the harness's application service at http://127.0.0.1:<port>:
 * random 32-byte hex tokens, id "gauntlet", sender "gauntlet-as", exclusive user namespace
 * "@gauntlet-as-.*" and alias namespace "#gauntlet-as-.*", protocol "gauntlet", not rate limited.
 */
export function newAppserviceRegistration(port: number): AppserviceRegistration {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`application service port must be an integer from 1 to 65535, got ${port}; pass the port the application service will listen on`);
  }
  return {
    id: "gauntlet",
    url: `http://127.0.0.1:${port}`,
    as_token: randomBytes(32).toString("hex"),
    hs_token: randomBytes(32).toString("hex"),
    sender_localpart: "gauntlet-as",
    namespaces: {
      users: [{ exclusive: true, regex: "@gauntlet-as-.*" }],
      aliases: [{ exclusive: true, regex: "#gauntlet-as-.*" }],
      rooms: [],
    },
    protocols: [APPSERVICE_PROTOCOL],
    rate_limited: false,
  };
}
