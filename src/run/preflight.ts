import { Agent, request, type Dispatcher } from "undici";
import { UserError } from "../errors/user-error.ts";
import type { TargetHomeserver } from "../deployment/target-file.ts";
import type { TestedHomeserver } from "./results.ts";

/** Exit code of `gauntlet run` when a target does not answer as a Matrix homeserver. */
export const TARGET_NOT_A_HOMESERVER_EXIT_CODE = 3;

const VERSIONS = "/_matrix/client/versions";
const FEDERATION_VERSION = "/_matrix/federation/v1/version";
const MAX_SHOWN = 200;

/** A target that is not a working Matrix homeserver: one error instead of a failure per test. */
export class TargetNotAHomeserverError extends UserError {
  constructor(hs: TargetHomeserver, got: string) {
    super(
      `${hs.name} at ${hs.baseUrl} does not answer as a Matrix homeserver: expected GET ${VERSIONS} to answer 200 with a JSON object holding a "versions" array, got ${got}. ` +
        "No suite ran. Check that the homeserver is running and that the URL is its client-server base URL (not the federation port or a web page in front of it).",
      TARGET_NOT_A_HOMESERVER_EXIT_CODE,
    );
    this.name = "TargetNotAHomeserverError";
  }
}

function shown(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_SHOWN ? `${flat.slice(0, MAX_SHOWN)}…` : flat || "an empty body";
}

async function getJson(url: string, timeoutMs: number, dispatcher?: Dispatcher): Promise<{ status: number; contentType: string; text: string }> {
  // One deadline for connect, headers and body: a server that accepts and never answers still ends.
  const response = await request(url, { signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs, ...(dispatcher ? { dispatcher } : {}) });
  return { status: response.statusCode, contentType: String(response.headers["content-type"] ?? ""), text: await response.body.text() };
}

/** GET /_matrix/client/versions, checked; resolves to its body, whose `server` some servers fill. */
async function checkClientVersions(hs: TargetHomeserver, timeoutMs: number): Promise<Record<string, unknown>> {
  let answer;
  try {
    answer = await getJson(`${hs.baseUrl}${VERSIONS}`, timeoutMs);
  } catch (error) {
    const why = (error as Error).name === "TimeoutError" || /timeout/i.test((error as Error).message) ? `no answer within ${timeoutMs / 1000} s` : `no HTTP answer (${(error as Error).message})`;
    throw new TargetNotAHomeserverError(hs, why);
  }
  if (answer.status !== 200) throw new TargetNotAHomeserverError(hs, `HTTP ${answer.status}: ${shown(answer.text)}`);
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    throw new TargetNotAHomeserverError(hs, `HTTP 200 with a body that is not JSON (${answer.contentType || "no content type"}): ${shown(answer.text)}`);
  }
  if (typeof body !== "object" || body === null || !Array.isArray((body as { versions?: unknown }).versions)) {
    throw new TargetNotAHomeserverError(hs, `HTTP 200 with JSON that has no "versions" array: ${shown(answer.text)}`);
  }
  return body as Record<string, unknown>;
}

function versionOf(server: unknown): string | null {
  const version = (server as { version?: unknown } | undefined)?.version;
  return typeof version === "string" && version !== "" ? version : null;
}

/** What the server says it runs: the federation API's version endpoint, which every homeserver serves. */
async function federationVersion(hs: TargetHomeserver, caCertPem: string, timeoutMs: number): Promise<string | null> {
  if (!hs.federationUrl) return null;
  const agent = new Agent({ connect: { ca: caCertPem } });
  try {
    const answer = await getJson(`${hs.federationUrl}${FEDERATION_VERSION}`, timeoutMs, agent);
    return answer.status === 200 ? versionOf((JSON.parse(answer.text) as { server?: unknown }).server) : null;
  } catch {
    // The version is a label of the report; the suites check the endpoint itself.
    return null;
  } finally {
    await agent.close();
  }
}

/**
 * Checks that every homeserver of the target answers /versions as the spec says, before any suite
 * runs, and asks each for its version (spec endpoints only).
 */
export async function preflight(homeservers: TargetHomeserver[], options: { timeoutMs: number; caCertPem?: string }): Promise<TestedHomeserver[]> {
  const tested: TestedHomeserver[] = [];
  for (const hs of homeservers) {
    const versions = await checkClientVersions(hs, options.timeoutMs);
    const version = (options.caCertPem ? await federationVersion(hs, options.caCertPem, options.timeoutMs) : null) ?? versionOf(versions.server);
    tested.push({ name: hs.name, implementation: hs.implementation, version, baseUrl: hs.baseUrl });
  }
  return tested;
}
