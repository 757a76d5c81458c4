import { describe, expect, test } from "vitest";
import { newAppserviceRegistration } from "../../../src/appservice/registration.ts";
import { SYNAPSE_DIR, synapseConfig, synapseLogConfig, synapseProfile } from "../../../src/env/profiles/synapse.ts";
import { newSigningKey } from "../../../src/env/secrets.ts";
import { homeserverSpec } from "./homeserver-spec.ts";

const spec = homeserverSpec;

describe("Synapse test-mode configuration", () => {
  test("sets every rate limit far above what a suite or load scenario sends", () => {
    const config = synapseConfig(spec());
    const limits = Object.entries(config).filter(([key]) => key.startsWith("rc_"));
    expect(limits.map(([key]) => key)).toEqual(
      expect.arrayContaining(["rc_message", "rc_registration", "rc_login", "rc_joins", "rc_invites", "rc_federation", "rc_room_creation", "rc_presence"]),
    );
    const perSecond: number[] = [];
    const walk = (value: unknown) => {
      if (value && typeof value === "object") {
        for (const [key, inner] of Object.entries(value)) {
          if (key === "per_second" || key === "burst_count") perSecond.push(inner as number);
          else walk(inner);
        }
      }
    };
    for (const [, value] of limits) walk(value);
    expect(perSecond.length).toBeGreaterThan(20);
    for (const value of perSecond) expect(value).toBeGreaterThanOrEqual(1000);
  });

  test("registers users cheaply and without verification", () => {
    const config = synapseConfig(spec());
    expect(config.bcrypt_rounds).toBe(4);
    expect(config.enable_registration).toBe(true);
    expect(config.enable_registration_without_verification).toBe(true);
  });

  test("federates on loopback over TLS with the run CA and no notary", () => {
    const config = synapseConfig(spec());
    expect(config.trusted_key_servers).toEqual([]);
    expect(config.ip_range_whitelist).toEqual(["127.0.0.0/8", "::1/128"]);
    expect(config.federation_verify_certificates).toBe(true);
    expect(config.federation_custom_ca_list).toEqual([`${SYNAPSE_DIR}/ca.crt`]);
    const listeners = config.listeners as { port: number; tls: boolean; bind_addresses: string[]; resources: { names: string[] }[] }[];
    const federation = listeners.find((l) => l.resources.some((r) => r.names.includes("federation")));
    expect(federation).toMatchObject({ port: 8448, tls: true, bind_addresses: ["127.0.0.1"] });
    const client = listeners.find((l) => l.resources.some((r) => r.names.includes("client")));
    expect(client).toMatchObject({ port: 8008, tls: false, bind_addresses: ["127.0.0.1"] });
    expect(config.tls_certificate_path).toBe(`${SYNAPSE_DIR}/tls.crt`);
    expect(config.tls_private_key_path).toBe(`${SYNAPSE_DIR}/tls.key`);
  });

  test("carries the run's secrets, and secrets differ between homeservers", () => {
    const a = spec();
    const b = spec();
    const config = synapseConfig(a);
    expect(config.registration_shared_secret).toBe(a.secrets.registrationSharedSecret);
    expect(config.macaroon_secret_key).toBe(a.secrets.macaroonSecretKey);
    expect(config.form_secret).toBe(a.secrets.formSecret);
    expect(a.secrets.registrationSharedSecret).not.toBe(b.secrets.registrationSharedSecret);
    expect(a.secrets.registrationSharedSecret.length).toBeGreaterThanOrEqual(32);
    expect(a.signingKey.seedBase64).not.toBe(b.signingKey.seedBase64);
    expect(Buffer.from(a.signingKey.seedBase64, "base64")).toHaveLength(32);
  });

  test("signing key versions always fit the key ID grammar", () => {
    // Key IDs are algorithm:version with a version of [a-zA-Z0-9_] only (appendices, "Signing key").
    for (let i = 0; i < 500; i++) expect(newSigningKey().version).toMatch(/^[a-zA-Z0-9_]+$/);
  });

  test("sets the default room version only when one is asked for", () => {
    expect(synapseConfig(spec())).not.toHaveProperty("default_room_version");
    expect(synapseConfig(spec({ roomVersion: "12" })).default_room_version).toBe("12");
  });

  test("uses the database it is given", () => {
    expect(synapseConfig(spec()).database).toEqual({ name: "sqlite3", args: { database: "/gauntlet/homeserver.db" } });
    const postgres = synapseConfig(
      spec({ database: { kind: "postgres", host: "127.0.0.1", port: 5433, user: "synapse", password: "pw", database: "synapse_hs1" } }),
    );
    expect(postgres.database).toMatchObject({
      name: "psycopg2",
      args: { host: "127.0.0.1", port: 5433, user: "synapse", password: "pw", database: "synapse_hs1" },
    });
  });

  test("logs to stdout so container logs show everything", () => {
    const log = synapseLogConfig() as { handlers: Record<string, { stream?: string }>; root: { handlers: string[] } };
    const handlers = log.root.handlers.map((name) => log.handlers[name]);
    expect(handlers).toEqual([expect.objectContaining({ stream: "ext://sys.stdout" })]);
    expect(synapseConfig(spec()).log_config).toBe(`${SYNAPSE_DIR}/log.config`);
  });

  test("config overrides win over the generated values", () => {
    const config = synapseConfig(spec({ configOverrides: { enable_registration: false } }));
    expect(config.enable_registration).toBe(false);
  });

  test("the container plan writes config, key and certificates, secrets readable by the owner only", () => {
    const s = spec();
    const plan = synapseProfile.plan(s);
    const files = Object.fromEntries(plan.files.map((f) => [f.path, f]));
    expect(JSON.parse(files[`${SYNAPSE_DIR}/homeserver.yaml`]!.content).server_name).toBe("localhost:8448");
    expect(files[`${SYNAPSE_DIR}/homeserver.yaml`]!.mode).toBe(0o600);
    expect(files[`${SYNAPSE_DIR}/signing.key`]!.content).toBe(`ed25519 ${s.signingKey.version} ${s.signingKey.seedBase64}\n`);
    expect(files[`${SYNAPSE_DIR}/tls.key`]).toMatchObject({ content: "KEY", mode: 0o600 });
    expect(files[`${SYNAPSE_DIR}/ca.crt`]!.content).toBe("CA");
    expect(plan.command).toContain(`${SYNAPSE_DIR}/homeserver.yaml`);
  });

  test("lets a logged-in device mint login tokens, behind user-interactive auth", () => {
    expect(synapseConfig(spec()).login_via_existing_session).toEqual({ enabled: true, require_ui_auth: true, token_timeout: "5m" });
  });

  test("without harness services there is no application service and no email", () => {
    const config = synapseConfig(spec());
    expect(config.app_service_config_files).toBeUndefined();
    expect(config.email).toBeUndefined();
    expect(synapseProfile.plan(spec()).files.map((f) => f.path)).not.toContain(`${SYNAPSE_DIR}/appservice.yaml`);
  });

  test("registers the harness's application service from a file readable by the owner only", () => {
    const appservice = newAppserviceRegistration(41234);
    const s = spec({ services: { appservice } });
    expect(synapseConfig(s).app_service_config_files).toEqual([`${SYNAPSE_DIR}/appservice.yaml`]);
    const file = synapseProfile.plan(s).files.find((f) => f.path === `${SYNAPSE_DIR}/appservice.yaml`);
    expect(file?.mode).toBe(0o600);
    expect(JSON.parse(file?.content ?? "{}")).toEqual(appservice);
  });

  test("sends email over plain SMTP to the harness's sink on loopback", () => {
    const config = synapseConfig(spec({ services: { mail: { smtpPort: 42525, from: "noreply@localhost" } } }));
    expect(config.email).toMatchObject({
      smtp_host: "127.0.0.1",
      smtp_port: 42525,
      enable_tls: false,
      require_transport_security: false,
      notif_from: "Gauntlet <noreply@localhost>",
      enable_notifs: false,
    });
  });
});
