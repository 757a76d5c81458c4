import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, expect, test } from "vitest";
import { newAppserviceRegistration } from "../../../src/appservice/registration.ts";
import { DENDRITE_DIR, dendriteConfig, dendriteProfile, dendriteSigningKeyPem, postgresConnectionString } from "../../../src/env/profiles/dendrite.ts";
import type { PostgresDatabase } from "../../../src/env/profiles/types.ts";
import { homeserverSpec as spec } from "./homeserver-spec.ts";

const postgres: PostgresDatabase = { kind: "postgres", host: "127.0.0.1", port: 5433, user: "gauntlet", password: "p@ss/w:rd", database: "dendrite_hs1" };
type Section = Record<string, unknown> & { database?: { connection_string: string } };

describe("Dendrite test-mode configuration", () => {
  test("is a version 2 configuration for the spec's server name, keyed by the PEM signing key", () => {
    const config = dendriteConfig(spec());
    expect(config.version).toBe(2);
    expect(config.global).toMatchObject({ server_name: "localhost:8448", private_key: `${DENDRITE_DIR}/matrix_key.pem` });
  });

  test("the signing key file holds the spec's seed under its key ID, which Dendrite reads as a MATRIX PRIVATE KEY block", () => {
    const key = spec().signingKey;
    const pem = dendriteSigningKeyPem(key);
    expect(pem).toMatch(new RegExp(`^-----BEGIN MATRIX PRIVATE KEY-----\\nKey-ID: ed25519:${key.version}\\n\\n[A-Za-z0-9+/]{43}=\\n-----END MATRIX PRIVATE KEY-----\\n$`));
    const body = pem.split("\n")[3]!;
    expect(Buffer.from(body, "base64").equals(Buffer.from(key.seedBase64, "base64"))).toBe(true);
    // The seed is a valid ed25519 private key (PKCS#8 prefix for a raw 32-byte seed).
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(body, "base64")]);
    expect(createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).asymmetricKeyType).toBe("ed25519");
  });

  test("a seed that is not 32 bytes is refused with its length", () => {
    expect(() => dendriteSigningKeyPem({ version: "a_1", seedBase64: "AAAA" })).toThrow("an ed25519 seed is 32 bytes, this one is 3");
  });

  test("with SQLite every component has its own file under the data directory, and no global database", () => {
    const config = dendriteConfig(spec()) as Record<string, Section>;
    expect(config.global).not.toHaveProperty("database");
    const files = ["federation_api", "key_server", "media_api", "mscs", "relay_api", "room_server", "sync_api"].map((c) => config[c]?.database?.connection_string);
    for (const file of files) expect(file).toMatch(new RegExp(`^file:${DENDRITE_DIR}/[a-z_]+\\.db$`));
    expect(new Set(files).size).toBe(files.length);
    expect((config.user_api as { account_database: { connection_string: string } }).account_database.connection_string).toMatch(/^file:\/gauntlet\/.+\.db$/);
  });

  test("with PostgreSQL one global connection string names the homeserver's own database, credentials percent-encoded", () => {
    const config = dendriteConfig(spec({ database: postgres })) as Record<string, Section>;
    expect((config.global as Section).database?.connection_string).toBe("postgresql://gauntlet:p%40ss%2Fw%3Ard@127.0.0.1:5433/dendrite_hs1?sslmode=disable");
    expect(postgresConnectionString(postgres)).toContain("/dendrite_hs1?");
    for (const component of ["federation_api", "room_server", "sync_api", "media_api"]) expect(config[component]).not.toHaveProperty("database");
    expect(config.user_api).not.toHaveProperty("account_database");
  });

  test("turns rate limiting off and registers users cheaply, openly, with the run's shared secret", () => {
    const s = spec();
    const config = dendriteConfig(s) as Record<string, Section>;
    expect(config.client_api).toMatchObject({
      registration_disabled: false,
      guests_disabled: false,
      registration_shared_secret: s.secrets.registrationSharedSecret,
      rate_limiting: { enabled: false },
    });
    expect(config.user_api?.bcrypt_cost).toBe(4);
    // Dendrite refuses open registration without captcha unless the command line insists.
    expect(dendriteProfile.plan(s).command).toContain("--really-enable-open-registration");
  });

  test("verifies federation TLS against the run CA only, fetches keys without a notary", () => {
    const s = spec();
    const config = dendriteConfig(s) as Record<string, Section>;
    expect(config.federation_api).toMatchObject({ disable_tls_validation: false, key_perspectives: [] });
    const plan = dendriteProfile.plan(s);
    expect(plan.env.SSL_CERT_FILE).toBe(`${DENDRITE_DIR}/ca.crt`);
    expect(plan.files.find((f) => f.path === plan.env.SSL_CERT_FILE)?.content).toBe("CA");
  });

  test("serves the client API over plain HTTP and federation over TLS, both on the listen address", () => {
    const plan = dendriteProfile.plan(spec({ clientPort: 18008, federationPort: 18448 }));
    const flag = (name: string) => plan.command[plan.command.indexOf(name) + 1];
    expect(flag("--http-bind-address")).toBe("127.0.0.1:18008");
    expect(flag("--https-bind-address")).toBe("127.0.0.1:18448");
    expect(flag("--tls-cert")).toBe(`${DENDRITE_DIR}/tls.crt`);
    expect(flag("--tls-key")).toBe(`${DENDRITE_DIR}/tls.key`);
    expect(flag("--config")).toBe(`${DENDRITE_DIR}/dendrite.yaml`);
  });

  test("logs to stdout only", () => {
    expect(dendriteConfig(spec()).logging).toEqual([{ type: "std", level: "info" }]);
  });

  test("sets the default room version only when one is asked for", () => {
    expect(dendriteConfig(spec()).room_server).not.toHaveProperty("default_room_version");
    expect((dendriteConfig(spec({ roomVersion: "10" })).room_server as Section).default_room_version).toBe("10");
  });

  test("registers the harness's application service from a file readable by the owner only", () => {
    const appservice = newAppserviceRegistration(41234);
    const s = spec({ services: { appservice } });
    expect((dendriteConfig(s).app_service_api as Section).config_files).toEqual([`${DENDRITE_DIR}/appservice.yaml`]);
    const file = dendriteProfile.plan(s).files.find((f) => f.path === `${DENDRITE_DIR}/appservice.yaml`);
    expect(file?.mode).toBe(0o600);
    expect(JSON.parse(file?.content ?? "{}")).toEqual(appservice);
    expect((dendriteConfig(spec()).app_service_api as Section).config_files).toEqual([]);
  });

  test("takes only the application service of the harness: Dendrite sends no email", () => {
    expect(dendriteProfile.harnessServices).toEqual(["appservice"]);
  });

  test("secrets are files readable by the owner only", () => {
    const files = Object.fromEntries(dendriteProfile.plan(spec()).files.map((f) => [f.path, f.mode]));
    expect(files[`${DENDRITE_DIR}/dendrite.yaml`]).toBe(0o600);
    expect(files[`${DENDRITE_DIR}/matrix_key.pem`]).toBe(0o600);
    expect(files[`${DENDRITE_DIR}/tls.key`]).toBe(0o600);
  });

  test("config overrides win over the generated sections", () => {
    expect(dendriteConfig(spec({ configOverrides: { client_api: { registration_disabled: true } } })).client_api).toEqual({ registration_disabled: true });
  });
});
