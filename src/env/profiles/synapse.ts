import { debianBaseImage } from "../debian-image.ts";
import { synapseReleaseImage } from "../synapse-image.ts";
import { catchUpSynapse, settleSynapse } from "./synapse-background-updates.ts";
import { portSynapseToPostgres } from "./synapse-port-db.ts";
import { registerWithSharedSecret } from "./synapse-registration.ts";
import type { ContainerPlan, HomeserverProfile, HomeserverSpec, MailService } from "./types.ts";

/** Where everything of a Synapse container lives; not a VOLUME of any image, so removal takes it all. */
export const SYNAPSE_DIR = "/gauntlet";
const APPSERVICE_FILE = `${SYNAPSE_DIR}/appservice.yaml`;
const SQLITE_FILE = `${SYNAPSE_DIR}/homeserver.db`;

// Complement's values: high enough that no suite or load scenario is throttled.
const unlimited = { per_second: 9999, burst_count: 9999 };

/** Synapse's configuration for a test run (YAML; JSON is valid YAML, so it is written as JSON). */
export function synapseConfig(spec: HomeserverSpec): Record<string, unknown> {
  const database =
    spec.database.kind === "sqlite"
      ? { name: "sqlite3", args: { database: SQLITE_FILE } }
      : {
          name: "psycopg2",
          args: {
            user: spec.database.user,
            password: spec.database.password,
            database: spec.database.database,
            host: spec.database.host,
            port: spec.database.port,
            cp_min: 1,
            cp_max: 10,
          },
        };
  return {
    server_name: spec.serverName,
    pid_file: `${SYNAPSE_DIR}/homeserver.pid`,
    public_baseurl: spec.publicBaseUrl,
    report_stats: false,
    listeners: [
      {
        port: spec.clientPort,
        bind_addresses: [spec.listenAddress],
        type: "http",
        tls: false,
        x_forwarded: false,
        resources: [{ names: ["client", "media"], compress: false }],
      },
      {
        port: spec.federationPort,
        bind_addresses: [spec.listenAddress],
        type: "http",
        tls: true,
        x_forwarded: false,
        resources: [{ names: ["federation", "keys", "openid"], compress: false }],
      },
    ],
    database,
    log_config: `${SYNAPSE_DIR}/log.config`,
    media_store_path: `${SYNAPSE_DIR}/media_store`,
    signing_key_path: `${SYNAPSE_DIR}/signing.key`,
    tls_certificate_path: `${SYNAPSE_DIR}/tls.crt`,
    tls_private_key_path: `${SYNAPSE_DIR}/tls.key`,
    // Outbound federation trusts the run's CA and nothing else (server-server API, TLS).
    federation_verify_certificates: true,
    federation_custom_ca_list: [`${SYNAPSE_DIR}/ca.crt`],
    // Keys come straight from the origin server: no notary on a loopback test network.
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    // Synapse refuses loopback destinations by default; the run lives on loopback.
    ip_range_whitelist: ["127.0.0.0/8", "::1/128"],
    federation: {
      destination_min_retry_interval: "2s",
      destination_retry_multiplier: 2,
      destination_max_retry_interval: "30s",
    },
    registration_shared_secret: spec.secrets.registrationSharedSecret,
    macaroon_secret_key: spec.secrets.macaroonSecretKey,
    form_secret: spec.secrets.formSecret,
    enable_registration: true,
    enable_registration_without_verification: true,
    allow_guest_access: true,
    bcrypt_rounds: 4,
    ...(spec.roomVersion ? { default_room_version: spec.roomVersion } : {}),
    url_preview_enabled: true,
    // Previews may fetch loopback targets only: everything else is refused.
    url_preview_ip_range_blacklist: ["0.0.0.0/0", "::/0"],
    url_preview_ip_range_whitelist: ["127.0.0.0/8", "::1/128"],
    caches: { sync_response_cache_duration: 0 },
    // A new database's background updates run back to back instead of a second apart, so they
    // finish within seconds of start (the profile's settle step waits for them).
    background_updates: { sleep_enabled: false },
    room_list_publication_rules: [{ action: "allow" }],
    allow_public_rooms_over_federation: true,
    allow_device_name_lookup_over_federation: true,
    federation_rr_transactions_per_room_per_second: 9999,
    rc_message: unlimited,
    rc_registration: unlimited,
    rc_registration_token_validity: unlimited,
    rc_login: { address: unlimited, account: unlimited, failed_attempts: unlimited },
    rc_admin_redaction: unlimited,
    rc_joins: { local: unlimited, remote: unlimited },
    rc_joins_per_room: unlimited,
    rc_3pid_validation: unlimited,
    rc_invites: { per_room: unlimited, per_user: unlimited, per_issuer: unlimited },
    rc_third_party_invite: unlimited,
    rc_media_create: unlimited,
    rc_presence: { per_user: unlimited },
    rc_delayed_event_mgmt: unlimited,
    rc_room_creation: unlimited,
    rc_user_directory: unlimited,
    rc_reports: unlimited,
    rc_federation: { window_size: 1000, sleep_limit: 10000, sleep_delay: 500, reject_limit: 99999, concurrent: 100 },
    // A logged-in device may mint a login token for another one (client-server-api/#post_matrixclientv1loginget_token).
    login_via_existing_session: { enabled: true, require_ui_auth: true, token_timeout: "5m" },
    ...(spec.services?.appservice ? { app_service_config_files: [APPSERVICE_FILE] } : {}),
    ...(spec.services?.mail ? { email: synapseEmailConfig(spec.services.mail) } : {}),
    ...spec.configOverrides,
  };
}

/** Email through the harness's plain SMTP sink on loopback: validation tokens only, no notifications. */
function synapseEmailConfig(mail: MailService): Record<string, unknown> {
  return {
    smtp_host: "127.0.0.1",
    smtp_port: mail.smtpPort,
    force_tls: false,
    require_transport_security: false,
    enable_tls: false,
    notif_from: `Gauntlet <${mail.from}>`,
    app_name: "Gauntlet",
    enable_notifs: false,
    validation_token_lifetime: "15m",
  };
}

/** Python logging config: everything to stdout, so container logs show it. */
export function synapseLogConfig(): Record<string, unknown> {
  return {
    version: 1,
    formatters: { precise: { format: "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s" } },
    handlers: {
      console: { class: "logging.StreamHandler", formatter: "precise", stream: "ext://sys.stdout" },
    },
    loggers: { "synapse.storage.SQL": { level: "WARNING" }, "twisted": { level: "WARNING" } },
    root: { level: "INFO", handlers: ["console"] },
    disable_existing_loggers: false,
  };
}

export const synapseProfile: HomeserverProfile = {
  name: "synapse",
  displayName: "Synapse",
  databases: ["sqlite", "postgres"],
  sqliteLocation: SQLITE_FILE,
  embeddedDatabaseFiles: `${SQLITE_FILE} ${SQLITE_FILE}-wal`,
  registryImage: (version) => `matrixdotorg/synapse:${version ? `v${version}` : "latest"}`,
  // The Debian-built base is a Synapse image (matrix-synapse is one of its packages); other releases come from PyPI.
  localImage: (version) => (version ? synapseReleaseImage(version) : debianBaseImage),
  harnessServices: ["appservice", "mail"],
  healthPaths: ["/health", "/_matrix/client/versions"],

  plan(spec: HomeserverSpec): ContainerPlan {
    const secret = 0o600;
    return {
      files: [
        { path: `${SYNAPSE_DIR}/homeserver.yaml`, content: JSON.stringify(synapseConfig(spec), null, 2), mode: secret },
        { path: `${SYNAPSE_DIR}/log.config`, content: JSON.stringify(synapseLogConfig(), null, 2) },
        { path: `${SYNAPSE_DIR}/signing.key`, content: `ed25519 ${spec.signingKey.version} ${spec.signingKey.seedBase64}\n`, mode: secret },
        { path: `${SYNAPSE_DIR}/tls.crt`, content: spec.tls.certPem },
        { path: `${SYNAPSE_DIR}/tls.key`, content: spec.tls.keyPem, mode: secret },
        { path: `${SYNAPSE_DIR}/ca.crt`, content: spec.caCertPem },
        ...(spec.services?.appservice
          ? [{ path: APPSERVICE_FILE, content: JSON.stringify(spec.services.appservice, null, 2), mode: secret }]
          : []),
      ],
      // Both the registry image and the Debian-built one have python3 with Synapse installed.
      entrypoint: ["python3", "-m", "synapse.app.homeserver"],
      command: ["--config-path", `${SYNAPSE_DIR}/homeserver.yaml`],
      env: { SYNAPSE_CACHE_FACTOR: "1.0", PYTHONUNBUFFERED: "1" },
    };
  },

  registerUser: registerWithSharedSecret,
  portToPostgres: portSynapseToPostgres,
  settle: (request) => settleSynapse(request, `${SYNAPSE_DIR}/homeserver.yaml`),
  catchUp: (request) => catchUpSynapse(request, `${SYNAPSE_DIR}/homeserver.yaml`),
};
