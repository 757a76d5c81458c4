import { registerWithSharedSecret } from "./synapse-registration.ts";
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

/** How continuwuity and tuwunel, both forks of conduwuit, differ where a test run cares. */
interface ConduwuitFork {
  name: string;
  displayName: string;
  /** The variable naming the configuration file. */
  configVariable: string;
  executable: string;
  registryRepository: string;
  /** Keys only this fork has, each in its example configuration. */
  ownSettings(spec: HomeserverSpec): TomlTable;
  /** tuwunel also serves Synapse's shared-secret registration; continuwuity only token registration. */
  sharedSecretRegistration: boolean;
}

/**
 * The `[global]` settings conduwuit's forks share (conduwuit-example.toml, tuwunel-example.toml).
 * One listener on both ports, speaking TLS and plain HTTP on each (`dual_protocol`): clients use
 * the client port over HTTP, servers the federation port over TLS.
 */
export function conduwuitConfig(fork: ConduwuitFork, spec: HomeserverSpec): TomlTable {
  return {
    global: {
      server_name: spec.serverName,
      database_path: CONDUIT_DATABASE_DIR,
      address: [spec.listenAddress],
      port: [spec.clientPort, spec.federationPort],
      allow_registration: true,
      registration_token: spec.secrets.registrationSharedSecret,
      allow_federation: true,
      // Keys come from the origin server itself: no notary outside the run.
      trusted_servers: [],
      // Their default refuses loopback and private ranges; the run's servers are all on loopback.
      ip_range_denylist: [],
      new_user_displayname_suffix: "",
      ...(spec.roomVersion ? { default_room_version: spec.roomVersion } : {}),
      log: "info",
      log_colors: false,
      ...fork.ownSettings(spec),
      ...spec.configOverrides,
      tls: { certs: CONDUIT_TLS_CERT, key: CONDUIT_TLS_KEY, dual_protocol: true },
    },
  };
}

function conduwuitProfile(fork: ConduwuitFork): HomeserverProfile {
  const latest = `${fork.registryRepository}:latest`;
  return {
    name: fork.name,
    displayName: fork.displayName,
    // RocksDB, embedded like SQLite: `--db sqlite` (the default) selects the server's own store.
    databases: ["sqlite"],
    sqliteLocation: `${CONDUIT_DATABASE_DIR} (RocksDB)`,
    embeddedDatabaseFiles: CONDUIT_DATABASE_DIR,
    registryImage: (version) => `${fork.registryRepository}:${version ? `v${version.replace(/^v/, "")}` : "latest"}`,
    localImage: () => noLocalBuild(fork.displayName, latest, fork.executable),
    // Application services are registered through the admin room, and email is not sent by these servers.
    harnessServices: [],
    healthPaths: ["/_matrix/client/versions"],
    executable: fork.executable,
    generatesSigningKey: true,

    plan(spec: HomeserverSpec): ContainerPlan {
      return {
        files: conduitFamilyFiles(spec, toToml(conduwuitConfig(fork, spec))),
        entrypoint: [fork.executable],
        command: [],
        env: { [fork.configVariable]: CONDUIT_CONFIG_FILE, ...conduitFamilyTrust },
      };
    },

    registerUser: fork.sharedSecretRegistration ? registerWithSharedSecret : registerWithRegistrationToken,
  };
}

export const continuwuityProfile = conduwuitProfile({
  name: "continuwuity",
  displayName: "continuwuity",
  configVariable: "CONTINUWUITY_CONFIG",
  executable: "conduwuit",
  registryRepository: "forgejo.ellis.link/continuwuation/continuwuity",
  ownSettings: () => ({ allow_announcements_check: false }),
  sharedSecretRegistration: false,
});

export const tuwunelProfile = conduwuitProfile({
  name: "tuwunel",
  displayName: "tuwunel",
  configVariable: "TUWUNEL_CONFIG",
  executable: "tuwunel",
  registryRepository: "jevolk/tuwunel",
  ownSettings: (spec) => ({
    registration_shared_secret: spec.secrets.registrationSharedSecret,
    // Its only request rate limits that suites could reach: media creation.
    media_rc_create_per_second: 9999,
    media_rc_create_burst_count: 9999,
  }),
  sharedSecretRegistration: true,
});
