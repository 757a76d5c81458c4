import { randomBytes } from "node:crypto";
import { headerEvidence, record, type VerifyContext } from "../context.ts";
import { jsonObject, type HttpResponse } from "../http.ts";

const GROUP = "media";
const UPLOAD = { id: "media.upload", title: "Upload above the proxy's default body limit" } as const;
const HEADERS = { id: "media.download-headers", title: "Media download headers" } as const;
/** nginx refuses request bodies over 1 MiB unless client_max_body_size says otherwise. */
const PROXY_DEFAULT_LIMIT = 1_048_576;
const UPLOAD_BYTES = PROXY_DEFAULT_LIMIT + 4096;
const NOT_DELETABLE = "the client-server API cannot delete media: it stays until a server admin or media retention removes it";

/**
 * Client-server API "Serving inline content": the types a server may serve with
 * `Content-Disposition: inline`; everything else must be `attachment`.
 */
const INLINE_SAFE_TYPES = new Set([
  "text/css", "text/plain", "text/csv", "application/json", "application/ld+json",
  "image/jpeg", "image/gif", "image/png", "image/apng", "image/webp", "image/avif",
  "video/mp4", "video/webm", "video/ogg", "video/quicktime",
  "audio/mp4", "audio/webm", "audio/aac", "audio/mpeg", "audio/ogg", "audio/wave", "audio/wav", "audio/x-wav", "audio/x-pn-wav", "audio/flac", "audio/x-flac",
]);

function skipBoth(context: VerifyContext, why: string): void {
  for (const check of [UPLOAD, HEADERS]) record(context, GROUP, check.id, check.title, "skip", [why]);
}

/** With --allow-writes: an upload just above nginx's default body limit, then the headers media is served with. */
export async function checkUploads(context: VerifyContext, baseUrl: string, accessToken: string | undefined, advertisedLimit: number | undefined): Promise<void> {
  if (!context.options.allowWrites) {
    return skipBoth(context, "read-only run: the proxy's body size limit and the media download headers were not checked (they need an upload: pass --allow-writes with credentials)");
  }
  if (!accessToken) return skipBoth(context, "needs credentials (--token, or --user and --password)");
  const auth = { authorization: `Bearer ${accessToken}` };
  try {
    await checkLargeUpload(context, baseUrl, auth, advertisedLimit);
  } catch (error) {
    record(context, GROUP, UPLOAD.id, UPLOAD.title, "fail", [(error as Error).message], "Proxy /_matrix/media/ and /_matrix/client/v1/media/ to the homeserver");
  }
  try {
    await checkDownloadHeaders(context, baseUrl, auth);
  } catch (error) {
    record(context, GROUP, HEADERS.id, HEADERS.title, "fail", [(error as Error).message], "Proxy /_matrix/media/ and /_matrix/client/v1/media/ to the homeserver");
  }
}

async function checkLargeUpload(context: VerifyContext, baseUrl: string, auth: Record<string, string>, advertisedLimit: number | undefined): Promise<void> {
  const size = advertisedLimit !== undefined ? Math.min(advertisedLimit, UPLOAD_BYTES) : UPLOAD_BYTES;
  const uploadUrl = `${baseUrl}/_matrix/media/v3/upload?filename=gauntlet-verify.bin`;
  const upload = await context.http.request({ method: "POST", url: uploadUrl, headers: auth, raw: { data: randomBytes(size), contentType: "application/octet-stream" } });
  const uri = jsonObject(upload.body)?.content_uri;
  const evidence = [`POST ${uploadUrl} with ${size} bytes${advertisedLimit !== undefined ? ` (m.upload.size ${advertisedLimit})` : ""}`, `HTTP ${upload.status} in ${upload.elapsedMs.toFixed(0)} ms`];
  if (upload.status !== 200 || typeof uri !== "string") {
    record(context, GROUP, UPLOAD.id, UPLOAD.title, "fail", [...evidence, ...refusal(upload)], uploadFix(upload));
  } else {
    const download = await context.http.request({ url: downloadUrl(baseUrl, uri), headers: auth, keepBodyBytes: 0 });
    evidence.push(`content_uri: ${uri}`, `GET ${downloadUrl(baseUrl, uri)}: HTTP ${download.status}, ${download.bodyBytes} bytes`, NOT_DELETABLE);
    const complete = download.status === 200 && download.bodyBytes === size;
    record(context, GROUP, UPLOAD.id, UPLOAD.title, complete ? "pass" : "fail", evidence, "Let the proxy pass media downloads in full (nginx: check proxy_max_temp_file_size and proxy_buffering for /_matrix/)");
  }
}

function downloadUrl(baseUrl: string, contentUri: string): string {
  const [server = "", mediaId = ""] = contentUri.replace(/^mxc:\/\//, "").split("/");
  return `${baseUrl}/_matrix/client/v1/media/download/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`;
}

/** What refused the upload: the homeserver answers JSON with an errcode, a proxy usually an HTML page. */
function refusal(response: HttpResponse): string[] {
  const errcode = jsonObject(response.body)?.errcode;
  return [
    typeof errcode === "string" ? `errcode ${errcode} (from the homeserver)` : `no Matrix errcode: the answer comes from the proxy (${headerEvidence(response.headers, "Server")}, body starts ${JSON.stringify(response.body.slice(0, 60))})`,
  ];
}

function uploadFix(response: HttpResponse): string {
  if (response.status === 413 && jsonObject(response.body)?.errcode === undefined) {
    return "Raise the proxy's request body limit to the homeserver's max_upload_size (nginx: client_max_body_size 50M; in the server block that proxies /_matrix/)";
  }
  if (response.status === 413) return "Make max_upload_size in homeserver.yaml match the m.upload.size the server advertises";
  return "Proxy POST /_matrix/media/v3/upload to the homeserver";
}

/**
 * Client-server API "Serving inline content" (MSC2701, MSC2702): every download carries
 * Content-Disposition, `attachment` unless the type is on the inline-safe list. Web clients also
 * rely on the Content-Security-Policy the homeserver sends with media, so HTML in an upload cannot run.
 */
async function checkDownloadHeaders(context: VerifyContext, baseUrl: string, auth: Record<string, string>): Promise<void> {
  const uploadUrl = `${baseUrl}/_matrix/media/v3/upload?filename=gauntlet-verify.html`;
  const html = Buffer.from("<!doctype html><title>gauntlet verify</title><script>document.title = 'ran'</script>\n");
  const upload = await context.http.request({ method: "POST", url: uploadUrl, headers: auth, raw: { data: html, contentType: "text/html" } });
  const uri = jsonObject(upload.body)?.content_uri;
  if (upload.status !== 200 || typeof uri !== "string") {
    record(context, GROUP, HEADERS.id, HEADERS.title, "skip", [`POST ${uploadUrl} (text/html, ${html.length} bytes): HTTP ${upload.status}`, "nothing uploaded to download"]);
    return;
  }
  const url = downloadUrl(baseUrl, uri);
  const r = await context.http.request({ url, headers: auth });
  const evidence = [
    `uploaded ${html.length} bytes as text/html: ${uri} (${NOT_DELETABLE})`,
    `GET ${url}: HTTP ${r.status}`,
    headerEvidence(r.headers, "Content-Type"),
    headerEvidence(r.headers, "Content-Disposition"),
    headerEvidence(r.headers, "Content-Security-Policy"),
  ];
  if (r.status !== 200) {
    record(context, GROUP, HEADERS.id, HEADERS.title, "fail", evidence, "Proxy /_matrix/client/v1/media/ to the homeserver (authenticated media)");
    return;
  }
  const servedType = String(r.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  const disposition = r.headers["content-disposition"];
  const dispositionType = disposition?.split(";")[0]!.trim().toLowerCase();
  const problems: string[] = [];
  if (!disposition) problems.push("Content-Disposition is missing: the spec requires inline or attachment on every download");
  else if (dispositionType !== "attachment" && !(dispositionType === "inline" && INLINE_SAFE_TYPES.has(servedType))) {
    problems.push(`Content-Disposition ${dispositionType} for ${servedType || "no type"}: only the spec's inline-safe types may be inline, HTML must be an attachment`);
  }
  if (problems.length > 0) {
    record(context, GROUP, HEADERS.id, HEADERS.title, "fail", [...evidence, ...problems], "Let the homeserver's Content-Disposition through the proxy (no proxy_hide_header or add_header for it on media paths)");
  } else if (!r.headers["content-security-policy"]) {
    record(
      context,
      GROUP,
      HEADERS.id,
      HEADERS.title,
      "warn",
      [...evidence, "no Content-Security-Policy: a browser that opens the file would run its scripts on this origin"],
      "Let the homeserver's Content-Security-Policy through the proxy on media paths (no proxy_hide_header Content-Security-Policy)",
    );
  } else {
    record(context, GROUP, HEADERS.id, HEADERS.title, "pass", evidence);
  }
}
