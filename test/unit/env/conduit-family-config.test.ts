import { parse } from "smol-toml";
import { describe, expect, test } from "vitest";
import { conduitConfig, conduitProfile, conduitStartScript } from "../../../src/env/profiles/conduit.ts";
import { CONDUIT_CONFIG_FILE, CONDUIT_DATABASE_DIR } from "../../../src/env/profiles/conduit-family.ts";
import { continuwuityProfile, tuwunelProfile } from "../../../src/env/profiles/conduwuit.ts";
import { getProfile } from "../../../src/env/profiles/index.ts";
import type { HomeserverProfile } from "../../../src/env/profiles/types.ts";
import { homeserverSpec as spec } from "./homeserver-spec.ts";

/**
 * `[global]` keys each server documents, as listed by its example configuration
 * (Conduit: conduit-example.toml and docs/configuration.md; continuwuity: conduwuit-example.toml;
 * tuwunel: tuwunel-example.toml), restricted to those a test configuration could touch.
 */
const documented: Record<string, { global: string[]; tls: string[] }> = {
  conduit: {
    global: [
      "server_name", "database_backend", "database_path", "port", "address", "tls", "max_request_size", "allow_registration",
      "registration_token", "allow_check_for_updates", "allow_federation", "enable_lightning_bolt", "trusted_servers",
      "max_concurrent_requests", "log", "default_room_version", "allow_encryption", "allow_room_creation", "well_known", "media",
    ],
    tls: ["certs", "key"],
  },
  continuwuity: {
    global: [
      "server_name", "address", "port", "database_path", "new_user_displayname_suffix", "allow_announcements_check", "max_request_size",
      "allow_registration", "yes_i_am_very_very_sure_i_want_an_open_registration_server_prone_to_abuse", "registration_token",
      "allow_federation", "federation_loopback", "allow_room_creation", "default_room_version", "trusted_servers",
      "query_trusted_key_servers_first", "log", "log_colors", "ip_range_denylist", "tls", "well_known",
    ],
    tls: ["certs", "key", "dual_protocol"],
  },
  tuwunel: {
    global: [
      "server_name", "database_path", "new_user_displayname_suffix", "address", "port", "max_request_size", "media_rc_create_per_second",
      "media_rc_create_burst_count", "allow_registration", "registration_token", "registration_shared_secret", "allow_federation",
      "federation_loopback", "default_room_version", "trusted_servers", "log", "log_colors", "ip_range_denylist", "grant_admin_to_first_user",
      "tls", "well_known",
    ],
    tls: ["certs", "key", "dual_protocol"],
  },
};

/** The files a plan writes, its TOML parsed by a real TOML parser. */
function plannedConfig(profile: HomeserverProfile, overrides = {}) {
  const s = spec({ roomVersion: "11", ...overrides });
  const plan = profile.plan(s);
  const file = plan.files.find((f) => f.path === CONDUIT_CONFIG_FILE)!;
  return { s, plan, file, config: parse(file.content) as { global: Record<string, unknown> & { tls?: Record<string, unknown> } } };
}

describe.each([conduitProfile, continuwuityProfile, tuwunelProfile])("$displayName test-mode configuration", (profile) => {
  test("every generated [global] and [global.tls] key is one the server documents", () => {
    const { config } = plannedConfig(profile);
    expect(Object.keys(config)).toEqual(["global"]);
    expect(Object.keys(config.global).filter((key) => !documented[profile.name]!.global.includes(key))).toEqual([]);
    expect(Object.keys(config.global.tls ?? {}).filter((key) => !documented[profile.name]!.tls.includes(key))).toEqual([]);
  });

  test("names the spec's server, keeps its database under /gauntlet, and takes the run's token for registration", () => {
    const { s, config, file } = plannedConfig(profile);
    expect(config.global).toMatchObject({
      server_name: "localhost:8448",
      database_path: CONDUIT_DATABASE_DIR,
      allow_registration: true,
      registration_token: s.secrets.registrationSharedSecret,
      allow_federation: true,
      trusted_servers: [],
      default_room_version: "11",
    });
    // The file holds a secret: only the container's owner reads it.
    expect(file.mode).toBe(0o600);
  });

  test("outbound TLS trusts the run's CA only, and the configuration file is named by the server's own variable", () => {
    const { plan } = plannedConfig(profile);
    expect(plan.env).toMatchObject({ SSL_CERT_FILE: "/gauntlet/ca.crt", SSL_CERT_DIR: "/nonexistent" });
    const variable = { conduit: "CONDUIT_CONFIG", continuwuity: "CONTINUWUITY_CONFIG", tuwunel: "TUWUNEL_CONFIG" }[profile.name]!;
    expect(plan.env[variable]).toBe(CONDUIT_CONFIG_FILE);
    expect(plan.files.find((f) => f.path === "/gauntlet/ca.crt")?.content).toBe("CA");
    expect(plan.files.find((f) => f.path === "/gauntlet/tls.key")?.mode).toBe(0o600);
  });

  test("configuration overrides land in [global], over the generated values", () => {
    const { config } = plannedConfig(profile, { configOverrides: { log: "debug", max_request_size: 1000 } });
    expect(config.global).toMatchObject({ log: "debug", max_request_size: 1000 });
  });

  test("is registered under its name, runs one executable, and makes its own signing key", () => {
    expect(getProfile(profile.name)).toBe(profile);
    expect(profile.executable).toMatch(/^[a-z]+$/);
    expect(profile.generatesSigningKey).toBe(true);
    expect(profile.databases).toEqual(["sqlite"]);
  });

  test("without a registry image here, the local recipe refuses with what to do instead", () => {
    const recipe = profile.localImage();
    const possible = recipe.canBuild();
    expect(possible.ok).toBe(false);
    expect(possible.reason).toContain(profile.registryImage());
    expect(possible.reason).toContain("--binary PATH");
    expect(possible.reason).toContain("--image NAME");
  });
});

describe("Conduit's listeners", () => {
  test("Conduit serves plain HTTP on the client port alone; TLS is not configured on it", () => {
    const { config } = plannedConfig(conduitProfile);
    expect(config.global).toMatchObject({ address: "127.0.0.1", port: 8008, database_backend: "sqlite", allow_check_for_updates: false, enable_lightning_bolt: false });
    expect(config.global).not.toHaveProperty("tls");
  });

  test("the start script forwards TLS on the federation port to the client port and then execs the server", () => {
    const script = conduitStartScript(spec(), "conduit");
    expect(script).toContain("  python3 /usr/local/bin/gauntlet-tls-forward 127.0.0.1 8448 /gauntlet/tls.crt /gauntlet/tls.key 127.0.0.1 8008 &\n");
    expect(script.trimEnd().split("\n").at(-1)).toBe("exec conduit");
    expect(conduitProfile.plan(spec()).entrypoint).toEqual(["sh", "-c"]);
  });

  test("its registry image is matrixconduit/matrix-conduit, a release as its v-tag", () => {
    expect(conduitProfile.registryImage()).toBe("matrixconduit/matrix-conduit:latest");
    expect(conduitProfile.registryImage("0.10.9")).toBe("matrixconduit/matrix-conduit:v0.10.9");
  });
});

describe("conduwuit forks' listeners and registration", () => {
  test.each([continuwuityProfile, tuwunelProfile])("$displayName listens on both ports, each speaking TLS with the run's pair and plain HTTP", (profile) => {
    const { config } = plannedConfig(profile);
    expect(config.global).toMatchObject({ address: ["127.0.0.1"], port: [8008, 8448], ip_range_denylist: [] });
    expect(config.global.tls).toEqual({ certs: "/gauntlet/tls.crt", key: "/gauntlet/tls.key", dual_protocol: true });
  });

  test("tuwunel also takes the run's shared secret for Synapse-style registration; continuwuity has none", () => {
    const tuwunel = plannedConfig(tuwunelProfile);
    expect(tuwunel.config.global.registration_shared_secret).toBe(tuwunel.s.secrets.registrationSharedSecret);
    expect(plannedConfig(continuwuityProfile).config.global).not.toHaveProperty("registration_shared_secret");
  });

  test("registry images: continuwuity from its Forgejo registry, tuwunel from Docker Hub", () => {
    expect(continuwuityProfile.registryImage()).toBe("forgejo.ellis.link/continuwuation/continuwuity:latest");
    expect(tuwunelProfile.registryImage("1.4.0")).toBe("jevolk/tuwunel:v1.4.0");
    expect(continuwuityProfile.plan(spec()).entrypoint).toEqual(["conduwuit"]);
  });
});
