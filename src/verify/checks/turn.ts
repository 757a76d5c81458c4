import { record, stepTimeoutMs, type VerifyContext } from "../context.ts";
import { jsonObject } from "../http.ts";
import { hostForUrl } from "../server-name.ts";
import { parseTurnUri, stunBinding, type StunTransport, type TurnUri } from "../stun.ts";

const GROUP = "client-api";

/** Client-server API "Voice over IP": the TURN credentials clients get, then whether the TURN server answers STUN. */
export async function checkTurn(context: VerifyContext, baseUrl: string, accessToken: string | undefined): Promise<void> {
  if (!accessToken) {
    for (const [id, title] of [["client.turn", "TURN credentials"], ["client.turn.reachable", "TURN server answers"]] as const) {
      record(context, GROUP, id, title, "skip", ["needs credentials (--token, or --user and --password)"]);
    }
    return;
  }
  const url = `${baseUrl}/_matrix/client/v3/voip/turnServer`;
  let uris: TurnUri[];
  try {
    const r = await context.http.request({ url, headers: { authorization: `Bearer ${accessToken}` } });
    const body = jsonObject(r.body);
    const listed = Array.isArray(body?.uris) ? (body.uris as unknown[]).filter((u): u is string => typeof u === "string") : [];
    const evidence = [`GET ${url}`, `HTTP ${r.status}`];
    if (r.status !== 200) {
      record(context, GROUP, "client.turn", "TURN credentials", "warn", [...evidence, `body starts ${JSON.stringify(r.body.slice(0, 60))}`], "Proxy /_matrix/client/ to the homeserver unchanged");
      return recordUnprobed(context, "the TURN endpoint did not answer 200");
    }
    if (listed.length === 0) {
      record(context, GROUP, "client.turn", "TURN credentials", "info", [...evidence, "no TURN server configured: calls between people behind NAT will often not connect"], "Run a TURN server (coturn) and set turn_uris and turn_shared_secret in homeserver.yaml");
      return recordUnprobed(context, "no TURN server configured");
    }
    // The credentials are secrets: evidence says only whether they are there.
    const credentials = typeof body?.username === "string" && typeof body.password === "string";
    evidence.push(`uris: ${listed.join(", ")}`, `username and password: ${credentials ? "present (not shown)" : "missing"}`, `ttl: ${String(body?.ttl)}`);
    uris = listed.flatMap((u) => parseTurnUri(u) ?? []);
    const unparsed = listed.filter((u) => !parseTurnUri(u));
    if (!credentials || unparsed.length > 0) {
      record(context, GROUP, "client.turn", "TURN credentials", "fail", [...evidence, ...unparsed.map((u) => `not a turn: or turns: URI: ${u}`)], "Set turn_shared_secret (or turn_username and turn_password) and list turn:HOST:PORT?transport=udp|tcp URIs in turn_uris");
    } else {
      record(context, GROUP, "client.turn", "TURN credentials", "pass", evidence);
    }
  } catch (error) {
    record(context, GROUP, "client.turn", "TURN credentials", "warn", [`GET ${url}`, (error as Error).message], "Proxy /_matrix/client/ to the homeserver");
    return recordUnprobed(context, "the TURN endpoint did not answer");
  }
  await probeTurnServers(context, uris);
}

function recordUnprobed(context: VerifyContext, why: string): void {
  record(context, GROUP, "client.turn.reachable", "TURN server answers", "skip", [why]);
}

/** One binding request per host, port and transport the URIs name (a URI without transport: both), at most six. */
async function probeTurnServers(context: VerifyContext, uris: TurnUri[]): Promise<void> {
  const plain = uris.filter((u) => !u.secure);
  const probes = new Map<string, { host: string; port: number; transport: StunTransport }>();
  for (const uri of plain) {
    for (const transport of uri.transport ? [uri.transport] : (["udp", "tcp"] as const)) probes.set(`${uri.host}:${uri.port}/${transport}`, { host: uri.host, port: uri.port, transport });
  }
  const evidence = uris.filter((u) => u.secure).map((u) => `${u.text}: not probed (TLS)`);
  const failed: string[] = [];
  for (const probe of [...probes.values()].slice(0, 6)) {
    const label = `${probe.transport.toUpperCase()} ${hostForUrl(probe.host, probe.port)}`;
    try {
      const [target] = await context.resolver.connectTargets(probe.host, probe.port);
      if (!target) throw new Error(`no address for ${probe.host}`);
      const answer = await stunBinding(target, probe.transport, stepTimeoutMs(context, `STUN binding request to ${label}`));
      evidence.push(`${label}: binding success in ${answer.elapsedMs.toFixed(0)} ms${answer.mappedAddress ? `, sees us as ${answer.mappedAddress}` : ""}`);
    } catch (error) {
      evidence.push(`${label}: ${(error as Error).message}`);
      failed.push(label);
    }
  }
  if (probes.size === 0) {
    record(context, GROUP, "client.turn.reachable", "TURN server answers", "skip", [...evidence, "only turns: URIs, which need TLS: not probed"]);
  } else if (failed.length === 0) {
    record(context, GROUP, "client.turn.reachable", "TURN server answers", "pass", evidence);
  } else {
    record(
      context,
      GROUP,
      "client.turn.reachable",
      "TURN server answers",
      "fail",
      evidence,
      `Make the TURN server answer on ${failed.join(", ")}: open the port in the firewall, and make turn_uris match coturn's listening-port and listening-ip`,
    );
  }
}
