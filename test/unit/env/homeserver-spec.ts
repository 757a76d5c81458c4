import type { HomeserverSpec } from "../../../src/env/profiles/types.ts";
import { homeserverSecrets, newSigningKey } from "../../../src/env/secrets.ts";

/** What the environment gives a profile for hs1 on SQLite, host network; fields overridable. */
export function homeserverSpec(overrides: Partial<HomeserverSpec> = {}): HomeserverSpec {
  return {
    name: "hs1",
    serverName: "localhost:8448",
    listenAddress: "127.0.0.1",
    clientPort: 8008,
    federationPort: 8448,
    publicBaseUrl: "http://127.0.0.1:8008/",
    database: { kind: "sqlite" },
    tls: { certPem: "CERT", keyPem: "KEY" },
    caCertPem: "CA",
    secrets: homeserverSecrets(),
    signingKey: newSigningKey(),
    ...overrides,
  };
}
