import { headerEvidence, record, type VerifyContext } from "../context.ts";
import { HttpFailure, jsonObject, type HttpResponse } from "../http.ts";
import { hostForUrl, parseServerName } from "../server-name.ts";

const GROUP = "client-discovery";
/** Browsers send an Origin; a made-up one under the reserved .invalid TLD (RFC 2606) stands in. */
export const PROBE_ORIGIN = "https://gauntlet.invalid";

export interface ClientDiscoveryResult {
  baseUrl?: string;
  versions?: string[];
}

function allowsAnyOrigin(response: HttpResponse): boolean {
  const value = response.headers["access-control-allow-origin"];
  return value === "*" || value === PROBE_ORIGIN;
}

/** The API prefix when a base URL wrongly includes it (`https://matrix.example.org/_matrix`), else undefined. */
function apiPathIn(baseUrl: string): string | undefined {
  let path: string;
  try {
    path = new URL(baseUrl).pathname;
  } catch {
    return undefined;
  }
  return /\/_matrix(?:\/client(?:\/[^/]*)?)?\/*$/.exec(path)?.[0].replace(/\/+$/, "");
}

function withoutApiPath(baseUrl: string): string {
  const prefix = apiPathIn(baseUrl);
  return prefix ? baseUrl.replace(/\/+$/, "").slice(0, -prefix.length) : baseUrl;
}

/** Client-server API "Server Discovery" (well-known URI) and "Web Browser Clients" (CORS). */
export async function checkClientDiscovery(context: VerifyContext): Promise<ClientDiscoveryResult> {
  let host: string;
  try {
    host = parseServerName(context.options.serverName).host;
  } catch {
    return {};
  }
  const url = `https://${hostForUrl(host)}/.well-known/matrix/client`;
  let baseUrl: string | undefined;
  let response: HttpResponse | undefined;
  try {
    response = await context.http.request({ url, followRedirects: 10, headers: { origin: PROBE_ORIGIN } });
  } catch (error) {
    const stalled = error instanceof HttpFailure && error.stalled;
    const fix = stalled ? `Make ${url} answer at once: the host accepted the request, then stalled (look at the web server, or the upstream it proxies the file to)` : `Serve ${url} over HTTPS so clients can find the homeserver from the user ID`;
    record(context, GROUP, "client.well-known", "/.well-known/matrix/client", "fail", [`GET ${url}`, (error as Error).message], fix);
  }
  if (response) {
    const redirectProblem = response.redirectProblem;
    const evidence = [`GET ${url}`, ...(redirectProblem ? [] : response.redirects.map((r) => `redirected from ${r}`)), `HTTP ${response.status}`, headerEvidence(response.headers, "Content-Type")];
    const body = response.status === 200 ? jsonObject(response.body) : undefined;
    const homeserver = body?.["m.homeserver"] as Record<string, unknown> | undefined;
    const candidate = typeof homeserver?.base_url === "string" ? homeserver.base_url : undefined;
    if (redirectProblem) {
      record(context, GROUP, "client.well-known", "/.well-known/matrix/client", "fail", [...evidence, redirectProblem], `Fix the redirect rule that catches ${url}: serve the file itself with 200`);
    } else if (response.status === 404) {
      record(context, GROUP, "client.well-known", "/.well-known/matrix/client", "warn", [...evidence, "clients cannot find the homeserver from a user ID alone"], `Serve {"m.homeserver": {"base_url": "https://<client host>"}} at ${url}`);
    } else if (response.status !== 200) {
      record(context, GROUP, "client.well-known", "/.well-known/matrix/client", "fail", evidence, `Answer ${url} with 200 and {"m.homeserver": {"base_url": …}}`);
    } else if (!body) {
      record(context, GROUP, "client.well-known", "/.well-known/matrix/client", "fail", [...evidence, `body is not a JSON object: starts ${JSON.stringify(response.body.slice(0, 40))}`], `Serve JSON, not a web page, at ${url} (nginx: a dedicated location with default_type application/json)`);
    } else if (!candidate) {
      record(context, GROUP, "client.well-known", "/.well-known/matrix/client", "fail", [...evidence, "m.homeserver.base_url is missing or not a string"], `Add {"m.homeserver": {"base_url": "https://<client host>"}} to ${url}`);
    } else if (apiPathIn(candidate)) {
      baseUrl = candidate.replace(/\/+$/, "");
      record(
        context,
        GROUP,
        "client.well-known",
        "/.well-known/matrix/client",
        "fail",
        [...evidence, `m.homeserver.base_url: ${baseUrl}`, `the base URL ends in ${apiPathIn(candidate)}: clients append /_matrix/client/… themselves and ask for ${baseUrl}/_matrix/client/versions`],
        `Remove ${apiPathIn(candidate)} from base_url: {"m.homeserver": {"base_url": "${withoutApiPath(baseUrl)}"}}`,
      );
    } else {
      baseUrl = candidate.replace(/\/+$/, "");
      const contentType = String(response.headers["content-type"] ?? "");
      // Clients must accept any content type, but application/json is what the spec asks servers to send.
      const status = contentType.startsWith("application/json") ? "pass" : "warn";
      record(context, GROUP, "client.well-known", "/.well-known/matrix/client", status, [...evidence, `m.homeserver.base_url: ${baseUrl}`], "Send Content-Type: application/json for the well-known file");
    }
    if (response.status === 200) {
      // Web clients read the file from another origin: without CORS the browser hides it (client-server API "Web Browser Clients").
      const cors = allowsAnyOrigin(response);
      record(
        context,
        GROUP,
        "client.well-known.cors",
        "CORS on /.well-known/matrix/client",
        cors ? "pass" : "fail",
        [`GET ${url} with Origin: ${PROBE_ORIGIN}`, headerEvidence(response.headers, "Access-Control-Allow-Origin")],
        `Add "Access-Control-Allow-Origin: *" to ${url} (nginx: add_header Access-Control-Allow-Origin * always;)`,
      );
    }
  }
  if (!baseUrl) return {};

  const versionsUrl = `${baseUrl}/_matrix/client/versions`;
  let versions: string[] | undefined;
  try {
    const r = await context.http.request({ url: versionsUrl, headers: { origin: PROBE_ORIGIN } });
    const body = jsonObject(r.body);
    versions = Array.isArray(body?.versions) ? (body.versions as unknown[]).filter((v): v is string => typeof v === "string") : undefined;
    if (r.status === 200 && versions && versions.length > 0) {
      record(context, GROUP, "client.base-url", "Homeserver base URL", "pass", [`GET ${versionsUrl}`, `HTTP ${r.status}`, `versions: ${versions.join(", ")}`]);
    } else {
      const fix = apiPathIn(baseUrl) ? `Remove ${apiPathIn(baseUrl)} from m.homeserver.base_url (use ${withoutApiPath(baseUrl)})` : "Proxy /_matrix/ at the base URL to the homeserver's client listener";
      record(context, GROUP, "client.base-url", "Homeserver base URL", "fail", [`GET ${versionsUrl}`, `HTTP ${r.status}`, `body starts ${JSON.stringify(r.body.slice(0, 60))}`], fix);
      return { baseUrl };
    }
  } catch (error) {
    record(context, GROUP, "client.base-url", "Homeserver base URL", "fail", [`GET ${versionsUrl}`, (error as Error).message], "Make m.homeserver.base_url point at where the reverse proxy serves the client API");
    return { baseUrl };
  }

  // A preflight like a browser's before an authenticated request (client-server API "Web Browser Clients").
  try {
    const r = await context.http.request({
      method: "OPTIONS",
      url: versionsUrl,
      headers: { origin: PROBE_ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    const methods = String(r.headers["access-control-allow-methods"] ?? "").toUpperCase();
    const allowHeaders = String(r.headers["access-control-allow-headers"] ?? "").toLowerCase();
    const missing = [
      ...(allowsAnyOrigin(r) ? [] : ["Access-Control-Allow-Origin"]),
      ...(methods.includes("POST") || methods.includes("*") ? [] : ["POST in Access-Control-Allow-Methods"]),
      ...(allowHeaders.includes("authorization") || allowHeaders.includes("*") ? [] : ["Authorization in Access-Control-Allow-Headers"]),
    ];
    record(
      context,
      GROUP,
      "client.cors",
      "CORS on the client API",
      missing.length === 0 ? "pass" : "fail",
      [`OPTIONS ${versionsUrl}`, `HTTP ${r.status}`, headerEvidence(r.headers, "Access-Control-Allow-Origin"), headerEvidence(r.headers, "Access-Control-Allow-Methods"), headerEvidence(r.headers, "Access-Control-Allow-Headers"), ...(missing.length ? [`missing: ${missing.join(", ")}`] : [])],
      "Let the homeserver's CORS headers through the proxy (do not strip or override them on /_matrix/)",
    );
  } catch (error) {
    record(context, GROUP, "client.cors", "CORS on the client API", "fail", [`OPTIONS ${versionsUrl}`, (error as Error).message], "Let OPTIONS requests for /_matrix/ through to the homeserver");
  }
  return { baseUrl, ...(versions ? { versions } : {}) };
}
