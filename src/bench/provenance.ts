import { readFileSync } from "node:fs";
import { arch, cpus, loadavg, release, totalmem, type } from "node:os";
import type Dockerode from "dockerode";
import { Agent, request } from "undici";
import { execInContainer } from "../env/container.ts";
import { queryRunPostgres } from "../env/database.ts";
import { connectEngine, probeEngine } from "../env/engine.ts";
import type { Environment } from "../env/environment.ts";
import type { DatabaseProvenance, Machine } from "./results.ts";

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"));
    if (pretty?.[1]) return pretty[1];
  } catch {
    // not Linux, or no os-release: the kernel name below still says something
  }
  return type();
}

export async function machineProvenance(): Promise<Machine> {
  const engine = await probeEngine().then((found) => `${found.kind} ${found.version}`, () => "unknown");
  return {
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryBytes: totalmem(),
    os: osName(),
    kernel: `${type()} ${release()}`,
    arch: arch(),
    node: process.version,
    containerEngine: engine,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

// Settings of Synapse's configuration that change its performance; nothing secret is among them.
const SYNAPSE_KNOBS = ["caches", "event_cache_size", "bcrypt_rounds", "presence", "use_frozen_dicts", "default_room_version"];
const POSTGRES_SETTINGS = ["shared_buffers", "work_mem", "effective_cache_size", "synchronous_commit", "fsync", "max_connections", "wal_level"];
// Environment variables of the homeserver container that tune it (no secrets pass this list).
const TUNING_ENV = /^(SYNAPSE_CACHE_FACTOR|SYNAPSE_CACHE_FACTOR_[A-Z_]+|PYTHONMALLOC|PYTHONOPTIMIZE)=/;

async function synapseConfigKnobs(docker: Dockerode, env: Environment): Promise<Record<string, unknown>> {
  const hs = env.homeserver("hs1");
  const knobs: Record<string, unknown> = {};
  const text = await execInContainer(docker, hs.containerId, ["cat", "/gauntlet/homeserver.yaml"]);
  // The profile writes its YAML as JSON.
  const config = JSON.parse(text) as Record<string, unknown>;
  const database = config.database as { name?: string; args?: Record<string, unknown> } | undefined;
  knobs.database = database?.name ?? null;
  if (database?.args && "cp_min" in database.args) knobs.database_pool = { cp_min: database.args.cp_min, cp_max: database.args.cp_max };
  for (const key of SYNAPSE_KNOBS) if (key in config) knobs[key] = config[key];
  const inspected = await docker.getContainer(hs.containerId).inspect();
  knobs.container_env = (inspected.Config.Env ?? []).filter((entry) => TUNING_ENV.test(entry));
  knobs.container_cpu_limit = inspected.HostConfig.NanoCpus ? inspected.HostConfig.NanoCpus / 1e9 : "none";
  knobs.container_memory_limit = inspected.HostConfig.Memory ? inspected.HostConfig.Memory : "none";
  return knobs;
}

async function homeserverVersion(env: Environment): Promise<{ version: string | null; serverHeader: string | null; clientVersions: string[]; problems: string[] }> {
  const hs = env.homeserver("hs1");
  const problems: string[] = [];
  let version: string | null = null;
  let serverHeader: string | null = null;
  let clientVersions: string[] = [];
  const agent = new Agent({ connect: { ca: env.state.ca.certPem, servername: "localhost" } });
  try {
    const response = await request(`${hs.federationUrl}/_matrix/federation/v1/version`, { dispatcher: agent, signal: AbortSignal.timeout(5000) });
    const body = (await response.body.json()) as { server?: { name?: string; version?: string } };
    version = body.server ? `${body.server.name ?? "?"} ${body.server.version ?? "?"}` : null;
  } catch (error) {
    problems.push(`GET /_matrix/federation/v1/version: ${(error as Error).message}`);
  } finally {
    await agent.close();
  }
  try {
    const response = await fetch(`${hs.baseUrl}/_matrix/client/versions`, { signal: AbortSignal.timeout(5000) });
    serverHeader = response.headers.get("server");
    clientVersions = ((await response.json()) as { versions?: string[] }).versions ?? [];
  } catch (error) {
    problems.push(`GET /_matrix/client/versions: ${(error as Error).message}`);
  }
  return { version, serverHeader, clientVersions, problems };
}

async function postgresProvenance(env: Environment): Promise<DatabaseProvenance["postgres"]> {
  if (!env.state.postgres) return null;
  const psql = (sql: string) => queryRunPostgres(env.state, sql);
  const version = await psql("SHOW server_version");
  const rows = await psql(`SELECT name || '=' || setting || coalesce(unit, '') FROM pg_settings WHERE name IN (${POSTGRES_SETTINGS.map((s) => `'${s}'`).join(",")})`);
  const settings = Object.fromEntries(rows.split("\n").filter(Boolean).map((row) => [row.slice(0, row.indexOf("=")), row.slice(row.indexOf("=") + 1)]));
  return { version, settings };
}

/** Images, versions and the settings that matter of a started environment; what cannot be read is listed in problems. */
export async function databaseProvenance(env: Environment): Promise<DatabaseProvenance> {
  const { docker } = await connectEngine();
  const problems: string[] = [];
  const images = [];
  for (const { role, image: resolved } of env.images()) {
    const info = await docker.getImage(resolved.name).inspect().catch(() => undefined);
    images.push({ role, name: resolved.name, origin: resolved.origin, id: info?.Id ?? null, repoDigests: info?.RepoDigests ?? [], created: info?.Created ?? null });
  }
  const versions = await homeserverVersion(env);
  problems.push(...versions.problems);
  let config: Record<string, unknown> = {};
  try {
    config = await synapseConfigKnobs(docker, env);
  } catch (error) {
    problems.push(`homeserver configuration: ${(error as Error).message}`);
  }
  let postgres: DatabaseProvenance["postgres"] = null;
  try {
    postgres = await postgresProvenance(env);
  } catch (error) {
    problems.push(`PostgreSQL version: ${(error as Error).message}`);
  }
  return {
    images,
    homeserver: { implementation: env.state.profile, version: versions.version, serverHeader: versions.serverHeader, clientVersions: versions.clientVersions },
    postgres,
    config,
    problems,
  };
}
