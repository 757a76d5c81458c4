import {
  CONDUIT_CONFIG_FILE,
  CONDUIT_DATABASE_DIR,
  CONDUIT_TLS_CERT,
  CONDUIT_TLS_KEY,
  conduitFamilyFiles,
  conduitFamilyTrust,
  noLocalBuild,
  registerWithRegistrationToken,
} from "./conduit-family.ts";
import { toToml, type TomlTable } from "./toml.ts";
import type { ContainerPlan, HomeserverProfile, HomeserverSpec } from "./types.ts";

const REGISTRY_REPOSITORY = "matrixconduit/matrix-conduit";

/**
 * Conduit's configuration for a test run (`[global]` of conduit-example.toml and its
 * configuration reference). Conduit has one listener: the client port, plain HTTP.
 */
export function conduitConfig(spec: HomeserverSpec): TomlTable {
  return {
    global: {
      server_name: spec.serverName,
      // SQLite: the backend every Conduit build has (RocksDB is an optional feature).
      database_backend: "sqlite",
      database_path: CONDUIT_DATABASE_DIR,
      address: spec.listenAddress,
      port: spec.clientPort,
      allow_registration: true,
      registration_token: spec.secrets.registrationSharedSecret,
      allow_federation: true,
      allow_check_for_updates: false,
      enable_lightning_bolt: false,
      // Keys come from the origin server itself: no notary outside the run.
      trusted_servers: [],
      ...(spec.roomVersion ? { default_room_version: spec.roomVersion } : {}),
      log: "info",
      ...spec.configOverrides,
    },
  };
}

/** The wrapped-binary image's TLS forwarder (docker/wrapped-binary/tls-forward.py). */
const TLS_FORWARD = "/usr/local/bin/gauntlet-tls-forward";

/**
 * Conduit serves TLS or plain HTTP on its one port, never both: the federation port is a TLS
 * forwarder to it, run with the base's python3 (the copied file keeps no execute bit).
 */
export function conduitStartScript(spec: HomeserverSpec, executable: string): string {
  const forward = `python3 ${TLS_FORWARD} ${spec.listenAddress} ${spec.federationPort} ${CONDUIT_TLS_CERT} ${CONDUIT_TLS_KEY} ${spec.listenAddress} ${spec.clientPort}`;
  return [
    "set -e",
    `mkdir -p ${CONDUIT_DATABASE_DIR}`,
    `if [ -f ${TLS_FORWARD} ]; then`,
    `  ${forward} &`,
    "else",
    `  echo 'gauntlet: this image has no gauntlet-tls-forward (only --binary images do), so nothing serves federation TLS on port ${spec.federationPort}' >&2`,
    "fi",
    `exec ${executable}`,
  ].join("\n");
}

export const conduitProfile: HomeserverProfile = {
  name: "conduit",
  displayName: "Conduit",
  databases: ["sqlite"],
  sqliteLocation: `${CONDUIT_DATABASE_DIR}/conduit.db`,
  embeddedDatabaseFiles: `${CONDUIT_DATABASE_DIR}/conduit.db ${CONDUIT_DATABASE_DIR}/conduit.db-wal`,
  registryImage: (version) => `${REGISTRY_REPOSITORY}:${version ? `v${version.replace(/^v/, "")}` : "latest"}`,
  localImage: () => noLocalBuild("Conduit", `${REGISTRY_REPOSITORY}:latest`, "conduit"),
  // Conduit has neither an SMTP client nor application-service registration files (it registers them through its admin room).
  harnessServices: [],
  healthPaths: ["/_matrix/client/versions"],
  executable: "conduit",
  generatesSigningKey: true,

  plan(spec: HomeserverSpec): ContainerPlan {
    return {
      files: conduitFamilyFiles(spec, toToml(conduitConfig(spec))),
      entrypoint: ["sh", "-c"],
      command: [conduitStartScript(spec, "conduit")],
      env: { CONDUIT_CONFIG: CONDUIT_CONFIG_FILE, ...conduitFamilyTrust },
    };
  },

  registerUser: registerWithRegistrationToken,
};
