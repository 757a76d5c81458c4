import { record, type VerifyContext } from "../context.ts";
import { jsonObject } from "../http.ts";

const GROUP = "client-api";

/**
 * Synapse's server-internal endpoints, as deployments expose them by proxying all of `/_synapse/`
 * instead of `/_synapse/client/`. A deployment checker may know them; compliance suites may not.
 */
const INTERNAL_ENDPOINTS = [
  {
    id: "client.admin-api",
    title: "Admin API exposure",
    path: "/_synapse/admin/v1/server_version",
    // Admin calls need an admin's token, so exposure is attack surface rather than an open door.
    status: "warn",
    exposed: (status: number, body: string) => status === 200 && jsonObject(body)?.server_version !== undefined,
    seen: (body: string) => `server_version: ${String(jsonObject(body)?.server_version)}`,
    fix: "Do not proxy /_synapse/admin to the internet (nginx: proxy only /_synapse/client/); reach it from an internal network or over SSH",
  },
  {
    id: "client.metrics",
    title: "Metrics exposure",
    path: "/_synapse/metrics",
    // Prometheus metrics need no authentication: anyone reads user counts, rooms, versions and load.
    status: "fail",
    exposed: (status: number, body: string) => status === 200 && /^# (?:HELP|TYPE) /m.test(body),
    seen: (body: string) => `Prometheus metrics: ${body.split("\n").filter((line) => line.startsWith("# TYPE ")).length} metric families, e.g. ${JSON.stringify(/^# TYPE (\S+)/m.exec(body)?.[1] ?? "")}`,
    fix: "Do not proxy /_synapse/metrics (nginx: proxy only /_synapse/client/); let Prometheus scrape the metrics listener on an internal address",
  },
] as const;

/** Server-internal endpoints must not answer through the public base URL. */
export async function checkInternalEndpoints(context: VerifyContext, baseUrl: string): Promise<void> {
  for (const endpoint of INTERNAL_ENDPOINTS) {
    const url = `${baseUrl}${endpoint.path}`;
    try {
      // The start of the body tells what it is; metrics of a busy server run to megabytes.
      const r = await context.http.request({ url, headers: { accept: "*/*" }, keepBodyBytes: 65_536 });
      if (endpoint.exposed(r.status, r.body)) {
        record(context, GROUP, endpoint.id, endpoint.title, endpoint.status, [`GET ${url}`, "HTTP 200", endpoint.seen(r.body), "reachable from outside"], endpoint.fix);
      } else {
        record(context, GROUP, endpoint.id, endpoint.title, "pass", [`GET ${url}`, `HTTP ${r.status}: not exposed`]);
      }
    } catch (error) {
      record(context, GROUP, endpoint.id, endpoint.title, "pass", [`GET ${url}`, `${(error as Error).message}: not exposed`]);
    }
  }
}
