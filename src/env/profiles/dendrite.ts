import { dendriteImage, dendriteVersion } from "../dendrite-image.ts";
import { registerWithSharedSecret } from "./synapse-registration.ts";
import type { ContainerPlan, HomeserverProfile, HomeserverSpec, PostgresDatabase } from "./types.ts";

/** Where everything of a Dendrite container lives; removing the container removes it all. */
export const DENDRITE_DIR = "/gauntlet";
const CONFIG_FILE = `${DENDRITE_DIR}/dendrite.yaml`;
const APPSERVICE_FILE = `${DENDRITE_DIR}/appservice.yaml`;

/** With SQLite every component has its own file (one shared file is for PostgreSQL only). */
const SQLITE_COMPONENTS = ["federation_api", "key_server", "media_api", "mscs", "relay_api", "room_server", "sync_api"] as const;

function sqliteFile(component: string): string {
  return `file:${DENDRITE_DIR}/${component.replace("_", "")}.db`;
}

/** libpq URL of the run's database server; user and password are percent-encoded. */
export function postgresConnectionString(db: PostgresDatabase): string {
  return `postgresql://${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}@${db.host}:${db.port}/${db.database}?sslmode=disable`;
}

/** Dendrite's signing key file: a MATRIX PRIVATE KEY PEM block holding the 32-byte ed25519 seed. */
export function dendriteSigningKeyPem(key: HomeserverSpec["signingKey"]): string {
  const seed = Buffer.from(key.seedBase64, "base64");
  if (seed.length !== 32) throw new Error(`an ed25519 seed is 32 bytes, this one is ${seed.length}`);
  return `-----BEGIN MATRIX PRIVATE KEY-----\nKey-ID: ed25519:${key.version}\n\n${seed.toString("base64")}\n-----END MATRIX PRIVATE KEY-----\n`;
}

/** Dendrite's configuration (version 2) for a test run; JSON is valid YAML, so it is written as JSON. */
export function dendriteConfig(spec: HomeserverSpec): Record<string, unknown> {
  const sqlite = spec.database.kind === "sqlite";
  const componentDatabase = (component: string) => (sqlite ? { database: { connection_string: sqliteFile(component) } } : {});
  const components = Object.fromEntries(SQLITE_COMPONENTS.map((component) => [component, componentDatabase(component)]));
  return {
    version: 2,
    global: {
      server_name: spec.serverName,
      private_key: `${DENDRITE_DIR}/matrix_key.pem`,
      key_validity_period: "168h0m0s",
      ...(spec.database.kind === "postgres"
        ? { database: { connection_string: postgresConnectionString(spec.database), max_open_conns: 20, max_idle_conns: 5, conn_max_lifetime: -1 } }
        : {}),
      cache: { max_size_estimated: "256mb", max_age: "1h" },
      trusted_third_party_id_servers: [],
      disable_federation: false,
      presence: { enable_inbound: true, enable_outbound: true },
      report_stats: { enabled: false },
      server_notices: { enabled: false },
      jetstream: { addresses: [], storage_path: `${DENDRITE_DIR}/jetstream`, topic_prefix: "Dendrite" },
      metrics: { enabled: false },
      dns_cache: { enabled: false },
    },
    app_service_api: {
      disable_tls_validation: false,
      legacy_auth: false,
      legacy_paths: false,
      config_files: spec.services?.appservice ? [APPSERVICE_FILE] : [],
    },
    client_api: {
      // Open registration also needs --really-enable-open-registration on the command line.
      registration_disabled: false,
      guests_disabled: false,
      registration_shared_secret: spec.secrets.registrationSharedSecret,
      enable_registration_captcha: false,
      rate_limiting: { enabled: false, threshold: 20, cooloff_ms: 500 },
    },
    federation_api: {
      ...components.federation_api,
      send_max_retries: 16,
      // Outbound TLS is verified, against the run CA (SSL_CERT_FILE); keys come from the origin, no notary.
      disable_tls_validation: false,
      key_perspectives: [],
      prefer_direct_fetch: true,
    },
    key_server: components.key_server,
    media_api: {
      ...components.media_api,
      base_path: `${DENDRITE_DIR}/media_store`,
      max_file_size_bytes: 52_428_800,
      dynamic_thumbnails: true,
      max_thumbnail_generators: 4,
      thumbnail_sizes: [
        { width: 32, height: 32, method: "crop" },
        { width: 96, height: 96, method: "crop" },
        { width: 640, height: 480, method: "scale" },
      ],
    },
    mscs: { ...components.mscs, mscs: [] },
    relay_api: components.relay_api,
    room_server: { ...components.room_server, ...(spec.roomVersion ? { default_room_version: spec.roomVersion } : {}) },
    sync_api: { ...components.sync_api, search: { enabled: true, index_path: `${DENDRITE_DIR}/searchindex`, language: "en" } },
    user_api: {
      ...(sqlite ? { account_database: { connection_string: sqliteFile("userapi_accounts") } } : {}),
      bcrypt_cost: 4,
      openid_token_lifetime_ms: 3_600_000,
    },
    tracing: { enabled: false },
    logging: [{ type: "std", level: "info" }],
    ...spec.configOverrides,
  };
}

/** The release the recipe builds: later ones are under the AGPL, so none other is offered. */
function onlyRelease(version: string | undefined): string {
  const release = dendriteVersion();
  if (version && version.replace(/^v?/, "v") !== release) {
    throw new Error(`Dendrite ${version}: only ${release} is available (the last Apache-2.0 release of github.com/matrix-org/dendrite)`);
  }
  return release;
}

export const dendriteProfile: HomeserverProfile = {
  name: "dendrite",
  displayName: "Dendrite",
  databases: ["sqlite", "postgres"],
  sqliteLocation: `${DENDRITE_DIR}/*.db (one file per component)`,
  embeddedDatabaseFiles: `${DENDRITE_DIR}/*.db ${DENDRITE_DIR}/*.db-wal`,
  registryImage: (version) => `matrixdotorg/dendrite-monolith:${onlyRelease(version)}`,
  localImage: (version) => (onlyRelease(version), dendriteImage),
  // Dendrite sends no email (it has no SMTP client): only the application service is wired.
  harnessServices: ["appservice"],
  healthPaths: ["/_dendrite/monitor/health", "/_matrix/client/versions"],
  executable: "dendrite",

  plan(spec: HomeserverSpec): ContainerPlan {
    const secret = 0o600;
    return {
      files: [
        { path: CONFIG_FILE, content: JSON.stringify(dendriteConfig(spec), null, 2), mode: secret },
        { path: `${DENDRITE_DIR}/matrix_key.pem`, content: dendriteSigningKeyPem(spec.signingKey), mode: secret },
        { path: `${DENDRITE_DIR}/tls.crt`, content: spec.tls.certPem },
        { path: `${DENDRITE_DIR}/tls.key`, content: spec.tls.keyPem, mode: secret },
        { path: `${DENDRITE_DIR}/ca.crt`, content: spec.caCertPem },
        ...(spec.services?.appservice
          ? [{ path: APPSERVICE_FILE, content: JSON.stringify(spec.services.appservice, null, 2), mode: secret }]
          : []),
      ],
      // On PATH in both images: /usr/bin in the registry image, /usr/local/bin in the one built here.
      entrypoint: ["dendrite"],
      command: [
        "--config", CONFIG_FILE,
        "--really-enable-open-registration",
        "--http-bind-address", `${spec.listenAddress}:${spec.clientPort}`,
        "--https-bind-address", `${spec.listenAddress}:${spec.federationPort}`,
        "--tls-cert", `${DENDRITE_DIR}/tls.crt`,
        "--tls-key", `${DENDRITE_DIR}/tls.key`,
      ],
      // Go's TLS reads its roots from SSL_CERT_FILE: outbound federation trusts the run CA and nothing else.
      env: { SSL_CERT_FILE: `${DENDRITE_DIR}/ca.crt`, SSL_CERT_DIR: "/nonexistent" },
    };
  },

  // Dendrite serves Synapse's shared-secret registration endpoint, with the same MAC.
  registerUser: registerWithSharedSecret,
};
