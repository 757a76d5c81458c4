import { appendFileSync } from "node:fs";
import { redactJson, redactText } from "./redact.ts";

/** One request and what came back, as shown in failure messages (secrets masked). */
export interface Exchange {
  method: string;
  /** Path and query as sent, with token parameters masked. */
  path: string;
  /** The spec endpoint the request was made for, e.g. `POST /_matrix/client/v3/createRoom`. */
  endpoint: string;
  requestBody?: unknown;
  startedAt: number;
  durationMs: number;
  status?: number;
  contentType?: string;
  /** Parsed JSON when the body was JSON, otherwise the first bytes of the text. */
  responseBody?: unknown;
  responseText?: string;
  /** Transport failure: timeout, refused connection, reset. */
  error?: string;
  /** What a matcher asserted of the answer (`must`, `expectMatrixError`): coverage counts these. */
  asserted?: AssertedAnswer;
}

/** A status (and for an error, the errcode) a test asserted an endpoint answered. */
export interface AssertedAnswer {
  endpoint: string;
  status: number;
  errcode?: string;
}

/** Notes on the exchange that a test asserted its answer; the exchange log gathers these per test. */
export function noteAssertion(exchange: Exchange, status: number, errcode?: string): void {
  exchange.asserted = { endpoint: exchange.endpoint, status, ...(errcode ? { errcode } : {}) };
}

const MAX_SHOWN = 1500;

function clip(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}… (${text.length - MAX_SHOWN} more characters)` : text;
}

export function describeExchange(exchange: Exchange): string {
  const lines = [`→ ${exchange.method} ${redactText(exchange.path)}`];
  if (exchange.requestBody !== undefined) lines.push(`  ${clip(JSON.stringify(redactJson(exchange.requestBody)))}`);
  if (exchange.error) {
    lines.push(`← no response after ${exchange.durationMs} ms: ${redactText(exchange.error)}`);
  } else {
    lines.push(`← HTTP ${exchange.status} (${exchange.contentType ?? "no content-type"}) in ${exchange.durationMs} ms`);
    if (exchange.responseBody !== undefined) lines.push(`  ${clip(JSON.stringify(redactJson(exchange.responseBody)))}`);
    else if (exchange.responseText !== undefined) lines.push(`  ${clip(JSON.stringify(redactText(exchange.responseText)))}`);
  }
  return lines.join("\n");
}

/** The most recent exchanges of one client, newest last, bounded in size. */
export class ExchangeLog {
  readonly #entries: Exchange[] = [];
  readonly #capacity: number;
  /** Every exchange of the log's life, for the answers its test asserted (they are marked later). */
  readonly #seen: Exchange[] = [];

  constructor(capacity = 20) {
    this.#capacity = capacity;
  }

  add(exchange: Exchange): void {
    this.#entries.push(exchange);
    this.#seen.push(exchange);
    if (this.#entries.length > this.#capacity) this.#entries.shift();
  }

  /** The distinct answers the test asserted, by endpoint, status and errcode. */
  assertions(): AssertedAnswer[] {
    const distinct = new Map<string, AssertedAnswer>();
    for (const { asserted } of this.#seen) if (asserted) distinct.set(`${asserted.endpoint} ${asserted.status} ${asserted.errcode ?? ""}`, asserted);
    return [...distinct.values()];
  }

  recent(count = 3): Exchange[] {
    return this.#entries.slice(-count);
  }

  all(): Exchange[] {
    return [...this.#entries];
  }
}

/** Where request timings go when a benchmark asks for them: one JSON line per request. */
export const REQUEST_TIMINGS_VARIABLE = "GAUNTLET_REQUEST_TIMINGS";

/** Appends `{endpoint, ms, status}` to the timings file named by GAUNTLET_REQUEST_TIMINGS, if any. */
export function recordTiming(endpoint: string, ms: number, status: number | undefined): void {
  const file = process.env[REQUEST_TIMINGS_VARIABLE];
  if (file) appendFileSync(file, `${JSON.stringify({ endpoint, ms, status: status ?? null })}\n`);
}
