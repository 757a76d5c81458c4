import { decodeBase64, encodeBase64 } from "./base64.ts";
import type { JsonObject, JsonValue } from "./json.ts";
import { signBytes, signedBytesOf, verifyBytes, type SigningKey } from "./signing.ts";

// Request authentication (server-server API, "Request Authentication"): the request is signed
// as a JSON object and sent as `Authorization: X-Matrix origin=…,destination=…,key=…,sig=…`.

export interface FederationRequest {
  method: string;
  /** Path and query exactly as sent, from `/_matrix/…`, without scheme or host. */
  uri: string;
  origin: string;
  destination: string;
  /** The parsed JSON body, when there is one. */
  content?: JsonValue | undefined;
}

export interface XMatrixAuthorization {
  origin: string;
  destination: string | undefined;
  key: string;
  sig: string;
}

function signedRequestObject(request: FederationRequest): JsonObject {
  const object: JsonObject = {
    method: request.method.toUpperCase(),
    uri: request.uri,
    origin: request.origin,
    destination: request.destination,
  };
  if (request.content !== undefined) object["content"] = request.content;
  return object;
}

/** The `Authorization` header value for `request`, in the form senders should use. */
export function signXMatrixRequest(request: FederationRequest, keyId: string, seed: Uint8Array | SigningKey): string {
  const signature = encodeBase64(signBytes(signedBytesOf(signedRequestObject(request)), seed));
  return `X-Matrix origin=${quote(request.origin)},destination=${quote(request.destination)},key=${quote(keyId)},sig=${quote(signature)}`;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export class XMatrixParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XMatrixParseError";
  }
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const WHITESPACE = /[ \t]*/y;
// Receivers accept unquoted values containing ':' (server names with ports, key IDs), so an
// unquoted value runs until whitespace or a comma.
const UNQUOTED_VALUE = /[^\s,"]+/y;

/**
 * Parses an X-Matrix `Authorization` value following RFC 9110 §11.4 auth-params: the scheme and
 * parameter names are case-insensitive, values are tokens or quoted strings with backslash
 * escapes, whitespace may surround commas, and unknown parameters are ignored.
 */
export function parseXMatrixHeader(value: string): XMatrixAuthorization {
  const scheme = /^[ \t]*X-Matrix +/i.exec(value);
  if (!scheme) throw new XMatrixParseError(`expected the X-Matrix scheme, got ${JSON.stringify(value.slice(0, 20))}`);
  const params = new Map<string, string>();
  let at = scheme[0].length;
  const skipWhitespace = (): void => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(value);
    at = WHITESPACE.lastIndex;
  };
  while (at < value.length) {
    skipWhitespace();
    if (value[at] === ",") {
      at++;
      continue;
    }
    TOKEN.lastIndex = at;
    const name = TOKEN.exec(value);
    if (!name) throw new XMatrixParseError(`expected a parameter name at offset ${at}`);
    at = TOKEN.lastIndex;
    skipWhitespace();
    if (value[at] !== "=") throw new XMatrixParseError(`expected '=' after ${name[0]}`);
    at++;
    skipWhitespace();
    let parsed: string;
    if (value[at] === '"') {
      parsed = "";
      at++;
      for (;;) {
        const c = value[at];
        if (c === undefined) throw new XMatrixParseError(`unterminated quoted value for ${name[0]}`);
        at++;
        if (c === '"') break;
        if (c === "\\") {
          const escaped = value[at];
          if (escaped === undefined) throw new XMatrixParseError(`unterminated escape in ${name[0]}`);
          parsed += escaped;
          at++;
        } else parsed += c;
      }
    } else {
      UNQUOTED_VALUE.lastIndex = at;
      const unquoted = UNQUOTED_VALUE.exec(value);
      if (!unquoted) throw new XMatrixParseError(`missing value for ${name[0]}`);
      parsed = unquoted[0];
      at = UNQUOTED_VALUE.lastIndex;
    }
    const lowered = name[0].toLowerCase();
    if (params.has(lowered)) throw new XMatrixParseError(`parameter ${lowered} appears twice`);
    params.set(lowered, parsed);
    skipWhitespace();
    if (at < value.length && value[at] !== ",") throw new XMatrixParseError(`expected ',' at offset ${at}`);
  }
  const origin = params.get("origin");
  const key = params.get("key");
  const sig = params.get("sig");
  const missing = [origin === undefined && "origin", key === undefined && "key", sig === undefined && "sig"].filter(Boolean);
  if (origin === undefined || key === undefined || sig === undefined) {
    throw new XMatrixParseError(`X-Matrix header lacks ${missing.join(", ")}`);
  }
  return { origin, destination: params.get("destination"), key, sig };
}

export interface XMatrixVerification {
  valid: boolean;
  origin: string | undefined;
  problem: string | undefined;
}

/**
 * Verifies an inbound request as the server `destination`. A `destination` parameter that names
 * another server fails; an absent one is accepted (it was added in spec v1.3).
 */
export function verifyXMatrixRequest(
  request: { method: string; uri: string; destination: string; content?: JsonValue | undefined; authorization: string },
  lookupKey: (origin: string, keyId: string) => Uint8Array | undefined,
): XMatrixVerification {
  let header: XMatrixAuthorization;
  try {
    header = parseXMatrixHeader(request.authorization);
  } catch (error) {
    return { valid: false, origin: undefined, problem: (error as Error).message };
  }
  const fail = (problem: string): XMatrixVerification => ({ valid: false, origin: header.origin, problem });
  if (header.destination !== undefined && header.destination !== request.destination) {
    return fail(`destination is ${header.destination}, but this server is ${request.destination}`);
  }
  const publicKey = lookupKey(header.origin, header.key);
  if (!publicKey) return fail(`no known key ${header.key} for ${header.origin}`);
  let signature: Uint8Array;
  try {
    signature = decodeBase64(header.sig);
  } catch {
    return fail("sig is not base64");
  }
  const message = signedBytesOf(
    signedRequestObject({ method: request.method, uri: request.uri, origin: header.origin, destination: request.destination, content: request.content }),
  );
  if (!verifyBytes(message, signature, publicKey)) return fail(`signature by ${header.origin} ${header.key} does not verify`);
  return { valid: true, origin: header.origin, problem: undefined };
}
