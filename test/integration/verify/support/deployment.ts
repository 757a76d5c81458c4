import { join } from "node:path";
import { allocateFreePort } from "../../../../src/env/ports.ts";
import { issueServerCertificate, type CertificatePair } from "../../../../src/env/tls.ts";
import { startDnsServer, type LocalDnsServer } from "./dns-server.ts";
import { startNginx, type RunningNginx } from "./nginx.ts";

/** The delegating domain (user IDs) and the host that runs the homeserver, as the install guides set them up. */
export const SERVER_NAME = "example.test";
export const MATRIX_HOST = "matrix.test";
/** The host `turn_uris` names; the deployment's DNS server points it at 127.0.0.1. */
export const TURN_HOST = "turn.test";

/** One way of getting the deployment right or wrong; every field defaults to the correct setup. */
export interface DeploymentVariant {
  /** Body and content type of /.well-known/matrix/server. */
  wellKnownServer?: { body: string; contentType: string };
  /** `m.server` of the delegation (ignored when `wellKnownServer` is given). */
  mServer?: (proxyPort: number) => string;
  clientWellKnownCors?: boolean;
  /** Certificate matrix.test presents; defaults to a valid one for matrix.test. */
  matrixCertificate?: (ca: CertificatePair) => Promise<CertificatePair>;
  exposeAdminApi?: boolean;
  /** A static file served as /_matrix/key/v2/server instead of the homeserver's answer. */
  keyResponseOverride?: string;
  /** `proxy_pass` with a URI part, so nginx decodes the path before passing it on. */
  proxyPassWithUri?: boolean;
  /** nginx's client_max_body_size; `null` leaves nginx's default of 1m. */
  clientMaxBodySize?: string | null;
  /** Proxy /_synapse/metrics to the homeserver's metrics listener. */
  exposeMetrics?: boolean;
  /** Response headers nginx drops from media downloads (`proxy_hide_header`). */
  hideMediaHeaders?: string[];
  /** `m.homeserver.base_url` of the client well-known file. */
  clientBaseUrl?: (proxyPort: number) => string;
  /** False: a deployment that does not federate, with no federation locations, no delegation and no SRV record. */
  federation?: boolean;
  /** /.well-known/matrix/server redirects to itself. */
  wellKnownRedirectLoop?: boolean;
  /** Body of /.well-known/matrix/support; `null` serves none. */
  supportFile?: string | null;
}

export interface Deployment {
  proxyPort: number;
  nginx: RunningNginx;
  dns: LocalDnsServer;
  /** Arguments that point `gauntlet verify` at this deployment and nowhere else. */
  verifyArgs: { resolve: string[]; dns: string };
  stop(): Promise<void>;
}

export interface Upstream {
  /** Plain HTTP client listener, e.g. http://127.0.0.1:8008 */
  clientUrl: string;
  /** TLS federation listener, e.g. https://127.0.0.1:8448 */
  federationUrl: string;
  /** Prometheus metrics listener, e.g. http://127.0.0.1:9000 */
  metricsUrl?: string;
}

const json = (value: unknown) => JSON.stringify(value).replace(/'/g, "\\'");

/** nginx in front of the homeserver like the Synapse reverse-proxy guide, plus the two well-known files on the delegating domain. */
export async function startDeployment(upstream: Upstream, ca: CertificatePair, variant: DeploymentVariant = {}, proxyPort?: number): Promise<Deployment> {
  const port = proxyPort ?? (await allocateFreePort());
  // 60 days, like a freshly renewed ACME certificate: far from the verifier's 14-day warning.
  const notAfter = new Date(Date.now() + 60 * 86_400_000);
  const domainCert = await issueServerCertificate(ca, { names: [SERVER_NAME], notAfter });
  const matrixCert = variant.matrixCertificate ? await variant.matrixCertificate(ca) : await issueServerCertificate(ca, { names: [MATRIX_HOST], notAfter });
  const mServer = variant.mServer ? variant.mServer(port) : MATRIX_HOST;
  const wellKnownServer = variant.wellKnownServer ?? { body: json({ "m.server": mServer }), contentType: "application/json" };
  const clientWellKnown = json({ "m.homeserver": { base_url: variant.clientBaseUrl ? variant.clientBaseUrl(port) : `https://${MATRIX_HOST}:${port}` } });
  const cors = variant.clientWellKnownCors ?? true;
  const federates = variant.federation ?? true;
  const supportFile = variant.supportFile === undefined ? json({ contacts: [{ role: "m.role.admin", matrix_id: `@admin:${SERVER_NAME}` }] }) : variant.supportFile;
  const maxBody = variant.clientMaxBodySize === undefined ? "50M" : variant.clientMaxBodySize;
  // What the guides warn against: a URI part after the port makes nginx pass the decoded, normalised path.
  const clientPass = variant.proxyPassWithUri ? `${upstream.clientUrl}/_matrix/` : upstream.clientUrl;
  const hidden = (variant.hideMediaHeaders ?? []).map((header) => `proxy_hide_header ${header};`).join(" ");
  const files: Record<string, string> = {
    "domain.crt": domainCert.certPem,
    "domain.key": domainCert.keyPem,
    "matrix.crt": matrixCert.certPem,
    "matrix.key": matrixCert.keyPem,
    "wk-server": wellKnownServer.body,
    ...(variant.keyResponseOverride ? { "key-response.json": variant.keyResponseOverride } : {}),
  };
  const proxyHeaders = "proxy_set_header Host $host; proxy_set_header X-Forwarded-For $remote_addr; proxy_set_header X-Forwarded-Proto $scheme; proxy_http_version 1.1;";
  const nginx = await startNginx({
    ports: [port],
    files,
    config: (dir) => `
worker_processes 1;
events { worker_connections 128; }
http {
  log_format gauntlet '$request_method $request_uri $status $host';
  access_log ${join(dir, "logs", "access.log")} gauntlet;
  client_body_temp_path ${join(dir, "tmp", "body")};
  proxy_temp_path ${join(dir, "tmp", "proxy")};
  fastcgi_temp_path ${join(dir, "tmp", "fastcgi")};
  uwsgi_temp_path ${join(dir, "tmp", "uwsgi")};
  scgi_temp_path ${join(dir, "tmp", "scgi")};
  default_type application/octet-stream;
  ssl_protocols TLSv1.2 TLSv1.3;
  ${maxBody === null ? "" : `client_max_body_size ${maxBody};`}

  server {
    listen 127.0.0.1:${port} ssl default_server;
    server_name ${SERVER_NAME};
    ssl_certificate ${join(dir, "domain.crt")};
    ssl_certificate_key ${join(dir, "domain.key")};
    ${
      variant.wellKnownRedirectLoop
        ? `location = /.well-known/matrix/server { return 301 https://${SERVER_NAME}:${port}$request_uri; }`
        : federates
          ? `location = /.well-known/matrix/server { default_type ${wellKnownServer.contentType}; alias ${join(dir, "wk-server")}; }`
          : ""
    }
    ${supportFile === null ? "" : `location = /.well-known/matrix/support { default_type application/json; return 200 '${supportFile}'; }`}
    location = /.well-known/matrix/client {
      default_type application/json;
      ${cors ? "add_header Access-Control-Allow-Origin * always;" : ""}
      return 200 '${clientWellKnown}';
    }
    location / { return 404; }
  }

  server {
    listen 127.0.0.1:${port} ssl;
    server_name ${MATRIX_HOST};
    ssl_certificate ${join(dir, "matrix.crt")};
    ssl_certificate_key ${join(dir, "matrix.key")};
    ${variant.keyResponseOverride ? `location = /_matrix/key/v2/server { default_type application/json; alias ${join(dir, "key-response.json")}; }` : ""}
    ${federates ? `location /_matrix/federation/ { proxy_pass ${upstream.federationUrl}; ${proxyHeaders} }` : ""}
    ${federates ? `location /_matrix/key/ { proxy_pass ${upstream.federationUrl}; ${proxyHeaders} }` : ""}
    location /_matrix/ { proxy_pass ${clientPass}; ${proxyHeaders} proxy_read_timeout 60s; }
    ${hidden ? `location /_matrix/client/v1/media/ { proxy_pass ${clientPass.replace(/\/_matrix\/$/, "/_matrix/client/v1/media/")}; ${proxyHeaders} ${hidden} }` : ""}
    location /_synapse/client/ { proxy_pass ${upstream.clientUrl}; ${proxyHeaders} }
    ${variant.exposeAdminApi ? `location /_synapse/admin/ { proxy_pass ${upstream.clientUrl}; ${proxyHeaders} }` : ""}
    ${variant.exposeMetrics && upstream.metricsUrl ? `location /_synapse/metrics { proxy_pass ${upstream.metricsUrl}; ${proxyHeaders} }` : ""}
    location / { return 404; }
  }
}
`,
  });
  const dns = await startDnsServer({
    a: { [SERVER_NAME]: ["127.0.0.1"], [MATRIX_HOST]: ["127.0.0.1"], [TURN_HOST]: ["127.0.0.1"] },
    srv: federates ? { [`_matrix-fed._tcp.${MATRIX_HOST}`]: [{ target: MATRIX_HOST, port }] } : {},
  });
  return {
    proxyPort: port,
    nginx,
    dns,
    // The delegating domain's web server is on 443 in real life; here it is remapped to the proxy's port.
    verifyArgs: { resolve: [`${SERVER_NAME}:443:127.0.0.1:${port}`], dns: `127.0.0.1:${dns.port}` },
    stop: async () => {
      await nginx.stop();
      await dns.stop();
    },
  };
}
