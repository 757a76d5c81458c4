import { record, type VerifyContext } from "../context.ts";
import { jsonObject, type HttpResponse } from "../http.ts";
import type { FederationDestination } from "../server-discovery.ts";
import { hostForUrl, parseServerName } from "../server-name.ts";
import { verifySignedJson } from "../signed-json.ts";

const GROUP = "federation";

function federationGet(context: VerifyContext, destination: FederationDestination, path: string): Promise<HttpResponse> {
  const target = destination.targets[0]!;
  return context.http.request({
    url: `https://${hostForUrl(destination.host, destination.port)}${path}`,
    target,
    tlsServerName: destination.tlsServerName,
    headers: { host: destination.hostHeader },
  });
}

function verifyKeysOf(body: Record<string, unknown>): Record<string, string> {
  const keys: Record<string, string> = {};
  const verifyKeys = body.verify_keys as Record<string, { key?: unknown }> | undefined;
  for (const [id, value] of Object.entries(verifyKeys ?? {})) if (typeof value?.key === "string") keys[id] = value.key;
  return keys;
}

export async function checkFederation(context: VerifyContext, destination: FederationDestination | undefined, reachable: boolean): Promise<void> {
  const serverName = context.options.serverName;
  if (!destination || !reachable) {
    for (const [id, title] of [["federation.version", "Federation version"], ["federation.keys", "Server keys"], ["federation.notary", "Keys through the notary endpoint"]] as const) {
      record(context, GROUP, id, title, "skip", ["no federation destination answered (see discovery)"]);
    }
    return;
  }
  const base = `https://${hostForUrl(destination.host, destination.port)}`;

  // Server-server API "GET /_matrix/federation/v1/version": the cheapest proof that federation is routed.
  try {
    const r = await federationGet(context, destination, "/_matrix/federation/v1/version");
    const server = jsonObject(r.body)?.server as Record<string, unknown> | undefined;
    if (r.status === 200 && server) {
      record(context, GROUP, "federation.version", "Federation version", "pass", [`GET ${base}/_matrix/federation/v1/version`, `HTTP 200`, `server: ${String(server.name)} ${String(server.version)}`]);
    } else {
      record(context, GROUP, "federation.version", "Federation version", "fail", [`GET ${base}/_matrix/federation/v1/version`, `HTTP ${r.status}`, `body starts ${JSON.stringify(r.body.slice(0, 60))}`], "Proxy /_matrix/federation/ on the federation destination to the homeserver");
    }
  } catch (error) {
    record(context, GROUP, "federation.version", "Federation version", "fail", [`GET ${base}/_matrix/federation/v1/version`, (error as Error).message], "Proxy /_matrix/federation/ on the federation destination to the homeserver");
  }

  // Server-server API "Publishing Keys": the response must be signed by the server with one of its verify_keys.
  const keysUrl = `${base}/_matrix/key/v2/server`;
  let direct: Record<string, string> | undefined;
  try {
    const r = await federationGet(context, destination, "/_matrix/key/v2/server");
    const body = r.status === 200 ? jsonObject(r.body) : undefined;
    if (!body) {
      record(context, GROUP, "federation.keys", "Server keys", "fail", [`GET ${keysUrl}`, `HTTP ${r.status}`, `body starts ${JSON.stringify(r.body.slice(0, 60))}`], "Proxy /_matrix/key/ to the homeserver's federation (keys) listener");
    } else {
      const evidence = [`GET ${keysUrl}`, `server_name: ${String(body.server_name)}`, `verify_keys: ${Object.keys(verifyKeysOf(body)).join(", ") || "(none)"}`];
      if (body.server_name !== serverName) {
        record(context, GROUP, "federation.keys", "Server keys", "fail", evidence, `The homeserver's server_name must be ${serverName}; the proxy reaches a server that calls itself ${String(body.server_name)}`);
      } else {
        record(context, GROUP, "federation.keys", "Server keys", "pass", evidence);
        direct = verifyKeysOf(body);
      }
      const signature = verifySignedJson(body, String(body.server_name), verifyKeysOf(body));
      if (signature.valid) {
        record(context, GROUP, "federation.keys.signature", "Key response self-signature", "pass", [`signed by ${String(body.server_name)} with ${signature.keyId}`]);
      } else {
        direct = undefined;
        record(
          context,
          GROUP,
          "federation.keys.signature",
          "Key response self-signature",
          "fail",
          [`GET ${keysUrl}`, `signature check failed: ${signature.reason}`],
          "Serve /_matrix/key/v2/server straight from the homeserver: no cached, rewritten or static copy in the proxy",
        );
      }
      const validUntil = typeof body.valid_until_ts === "number" ? body.valid_until_ts : undefined;
      if (validUntil === undefined) {
        record(context, GROUP, "federation.keys.validity", "Key validity", "fail", ["valid_until_ts is missing or not a number"], "Serve the homeserver's own key response unmodified");
      } else {
        const hours = (validUntil - Date.now()) / 3_600_000;
        const evidence2 = [`valid_until_ts ${validUntil} (${new Date(validUntil).toISOString()}, ${hours.toFixed(1)} h from now)`];
        // Other servers refetch keys after valid_until_ts; a past value makes them reject fresh events (room versions 5+).
        if (hours < 0) record(context, GROUP, "federation.keys.validity", "Key validity", "fail", evidence2, "Check the homeserver's clock and that the proxy does not cache key responses");
        else if (hours < 1) record(context, GROUP, "federation.keys.validity", "Key validity", "warn", evidence2, "Check the homeserver's clock and its key refresh interval");
        else record(context, GROUP, "federation.keys.validity", "Key validity", "pass", evidence2);
      }
    }
  } catch (error) {
    record(context, GROUP, "federation.keys", "Server keys", "fail", [`GET ${keysUrl}`, (error as Error).message], "Proxy /_matrix/key/ to the homeserver");
  }

  // Server-server API "Querying Keys Through Another Server": the server as notary for itself must agree.
  let host: string;
  try {
    host = parseServerName(serverName).text;
  } catch {
    return;
  }
  const notaryPath = `/_matrix/key/v2/query/${encodeURIComponent(host)}`;
  try {
    const r = await federationGet(context, destination, notaryPath);
    const list = jsonObject(r.body)?.server_keys;
    const entries = Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
    const mine = entries.find((e) => e?.server_name === serverName);
    const evidence = [`GET ${base}${notaryPath}`, `HTTP ${r.status}`, `server_keys entries: ${entries.length}`];
    if (r.status !== 200 || !Array.isArray(list)) {
      record(context, GROUP, "federation.notary", "Keys through the notary endpoint", "warn", evidence, "Proxy /_matrix/key/v2/query to the homeserver so other servers can fetch keys through it");
      return;
    }
    if (!mine) {
      // A notary answers from what it has fetched; a server need not hold a fetched copy of its own keys.
      record(context, GROUP, "federation.notary", "Keys through the notary endpoint", "pass", [...evidence, `the notary holds no fetched copy of ${serverName}'s keys: nothing to compare`]);
      return;
    }
    const notaryKeys = verifyKeysOf(mine);
    const selfSigned = verifySignedJson(mine, serverName, notaryKeys);
    const agrees = direct === undefined || Object.entries(direct).every(([id, key]) => notaryKeys[id] === key);
    evidence.push(`verify_keys: ${Object.keys(notaryKeys).join(", ")}`, selfSigned.valid ? `origin signature valid (${selfSigned.keyId})` : `origin signature invalid: ${selfSigned.reason}`);
    if (selfSigned.valid && agrees) record(context, GROUP, "federation.notary", "Keys through the notary endpoint", "pass", evidence);
    else record(context, GROUP, "federation.notary", "Keys through the notary endpoint", "fail", [...evidence, ...(agrees ? [] : ["keys differ from /_matrix/key/v2/server"])], "Serve both key endpoints from the same homeserver, unmodified");
  } catch (error) {
    record(context, GROUP, "federation.notary", "Keys through the notary endpoint", "warn", [`GET ${base}${notaryPath}`, (error as Error).message], "Proxy /_matrix/key/ to the homeserver");
  }
}
