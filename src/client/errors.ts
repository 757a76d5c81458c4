import { describeExchange, type Exchange } from "./exchange.ts";
import { redactText } from "./redact.ts";

/** Why a request failed as it did, and where to look next. */
export function hintFor(exchange: Exchange): string {
  if (exchange.error) {
    if (/timeout|aborted/i.test(exchange.error)) {
      return "the homeserver did not answer in time: it may be hung, overloaded or deadlocked; its log (`gauntlet env logs`) shows what it was doing";
    }
    if (/ECONNREFUSED/.test(exchange.error)) return "nothing listens at the homeserver's address: it has probably exited; check its log";
    if (/ECONNRESET|socket|closed|terminated|other side/i.test(exchange.error)) {
      return "the homeserver closed the connection without an answer: it may have crashed mid-request; check its log";
    }
    return "the request did not complete; check that the homeserver is running and reachable";
  }
  const status = exchange.status ?? 0;
  if (status >= 500) return "the homeserver failed internally (HTTP 5xx); its log has the traceback";
  if (exchange.responseBody === undefined) {
    return "the client-server API answers with JSON bodies (client-server-api/#api-standards); a reverse proxy or the server returned something else";
  }
  if (status === 429) return "rate limited (M_LIMIT_EXCEEDED): a test deployment should have rate limits off";
  if (status === 401) return "the access token was refused: the user may have been logged out or deactivated";
  return "the response does not match what the spec prescribes for this request";
}

/** Base of every failure the client raises: carries the exchange and a hint, with secrets masked. */
export class MatrixClientError extends Error {
  readonly exchange: Exchange | undefined;
  constructor(summary: string, exchange: Exchange | undefined, history: Exchange[] = []) {
    const parts = [summary];
    if (exchange) parts.push("", describeExchange(exchange), "", `hint: ${hintFor(exchange)}`);
    const earlier = history.filter((entry) => entry !== exchange);
    if (earlier.length > 0) parts.push("", "earlier requests of this client:", ...earlier.map(describeExchange));
    super(redactText(parts.join("\n")));
    this.name = new.target.name;
    this.exchange = exchange;
  }
}

/** No usable HTTP answer: timeout, refused or reset connection, or a body that is not JSON. */
export class HomeserverUnreachableError extends MatrixClientError {}

/** The response did not have the status the caller required. */
export class UnexpectedResponseError extends MatrixClientError {}

/** The response body violated the endpoint's schema. */
export class SchemaViolationError extends MatrixClientError {}

/** A sync predicate did not hold before its deadline. */
export class SyncTimeoutError extends MatrixClientError {}
