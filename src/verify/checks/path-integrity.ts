import { record, type VerifyContext } from "../context.ts";
import { jsonObject } from "../http.ts";

const GROUP = "client-api";
const ID = "client.path-integrity";
const TITLE = "Request paths reach the homeserver unaltered";

interface PathProbe {
  /** What the probe carries, for evidence: `'/' (%2F) in a room ID`. */
  label: string;
  path: string;
  /** What the homeserver answers when the path arrives as sent. */
  status: number;
  errcode: string;
}

/**
 * Read-only probes whose path parameters hold percent-encoded `/ ? # : %`. Sent unauthenticated,
 * an unaltered path reaches its endpoint and is refused with a known error; a proxy that decodes
 * the path first (nginx `proxy_pass` with a URI part) changes the route and gets M_UNRECOGNIZED or 404.
 */
export function pathProbes(serverName: string): PathProbe[] {
  const room = (localpart: string) => `/_matrix/client/v3/rooms/${encodeURIComponent(`!${localpart}:${serverName}`)}/state`;
  const missingToken = { status: 401, errcode: "M_MISSING_TOKEN" };
  return [
    { label: "':' (%3A) in a room ID", path: room("gauntlet-verify"), ...missingToken },
    { label: "'/' (%2F) in a room ID", path: room("gauntlet/verify"), ...missingToken },
    { label: "'?' (%3F) in a room ID", path: room("gauntlet?verify"), ...missingToken },
    { label: "'#' (%23) in a room ID", path: room("gauntlet#verify"), ...missingToken },
    { label: "'%' (%25) in a room ID", path: room("gauntlet%verify"), ...missingToken },
    // Event IDs of room versions 1 to 3 are standard base64 with '/' and '+'.
    {
      label: "'/' (%2F) and '+' (%2B) in an event ID",
      path: `/_matrix/client/v3/rooms/${encodeURIComponent(`!gauntlet-verify:${serverName}`)}/event/${encodeURIComponent("$gauntlet/verify+probe")}`,
      ...missingToken,
    },
    // An unknown alias on the server itself: looked up without a token, answered 404 M_NOT_FOUND.
    { label: "'/' (%2F) in a room alias", path: `/_matrix/client/v3/directory/room/${encodeURIComponent(`#gauntlet/verify:${serverName}`)}`, status: 404, errcode: "M_NOT_FOUND" },
  ];
}

export async function checkPathIntegrity(context: VerifyContext, baseUrl: string): Promise<void> {
  const evidence: string[] = [];
  const altered: string[] = [];
  const probes = pathProbes(context.options.serverName);
  for (const [index, probe] of probes.entries()) {
    const url = `${baseUrl}${probe.path}`;
    let answer: string;
    let matches: boolean;
    try {
      const r = await context.http.request({ url });
      const errcode = jsonObject(r.body)?.errcode;
      answer = `${r.status}${typeof errcode === "string" ? ` ${errcode}` : ""}`;
      matches = r.status === probe.status && errcode === probe.errcode;
    } catch (error) {
      answer = (error as Error).message;
      matches = false;
    }
    evidence.push(`GET ${url}: ${answer}${matches ? "" : ` (expected ${probe.status} ${probe.errcode})`}`);
    // The first probe has nothing but ':' to alter: when it is refused, the others cannot be judged.
    if (index === 0 && !matches) {
      record(context, GROUP, ID, TITLE, "warn", [...evidence, "the plain probe did not get the expected answer: path handling cannot be judged"], "Check that the proxy passes /_matrix/client/ to the homeserver unchanged");
      return;
    }
    if (!matches) altered.push(probe.label);
  }
  if (altered.length === 0) {
    record(context, GROUP, ID, TITLE, "pass", evidence);
    return;
  }
  record(
    context,
    GROUP,
    ID,
    TITLE,
    "fail",
    [...evidence, `altered on the way: ${altered.join("; ")}; room aliases, room IDs and event IDs with these characters break`],
    "Pass the request URI through unchanged: nginx proxy_pass with no URI part (proxy_pass http://127.0.0.1:8008; not http://127.0.0.1:8008/ or .../_matrix/), Apache AllowEncodedSlashes NoDecode with nocanon",
  );
}
