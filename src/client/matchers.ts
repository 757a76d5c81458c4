import type { z } from "zod";
import type { MatrixResponse } from "./client.ts";
import { MatrixClientError, SchemaViolationError, UnexpectedResponseError } from "./errors.ts";
import { noteAssertion, type Exchange } from "./exchange.ts";
import { checkSchema, describeProblems } from "./schema-check.ts";
import { matrixError } from "./schemas/common.ts";

/** A failed expectation about a response's JSON. */
export class MatrixAssertionError extends MatrixClientError {}

/** Any answered request of either API: client-server (`call`, `raw`) or server-server (`peer.to(hs)`). */
export interface AnsweredRequest {
  status: number;
  endpoint: string;
  exchange: Exchange;
}

/**
 * The response is the standard error with this status and errcode, on either API
 * (client-server-api/#standard-error-response; the server-server API uses the same body).
 * Without an errcode, any standard error body with this status passes: for endpoints whose
 * spec names the status but not the code.
 */
export function expectMatrixError(response: AnsweredRequest, status: number, errcode?: string): void {
  const body = response.exchange.responseBody;
  const actualCode = (body as { errcode?: unknown } | undefined)?.errcode;
  if (response.status !== status || (errcode !== undefined && actualCode !== errcode)) {
    throw new UnexpectedResponseError(
      `${response.endpoint}: expected HTTP ${status}${errcode ? ` ${errcode}` : ""}, got HTTP ${response.status} ${typeof actualCode === "string" ? actualCode : "without an errcode"}`,
      response.exchange,
    );
  }
  const problems = checkSchema(matrixError, body);
  if (problems.length > 0) throw new SchemaViolationError(`${response.endpoint}: HTTP ${status}, the error body violates the spec's schema:\n${describeProblems(problems)}`, response.exchange);
  noteAssertion(response.exchange, status, errcode);
}

/** The response has this status (with any body that passed the endpoint's schema). */
export function expectStatus(response: AnsweredRequest, status: number): void {
  if (response.status !== status) {
    const code = (response.exchange.responseBody as { errcode?: unknown } | undefined)?.errcode;
    throw new UnexpectedResponseError(
      `${response.endpoint}: expected HTTP ${status}, got ${response.status}${typeof code === "string" ? ` ${code}` : ""}`,
      response.exchange,
    );
  }
  noteAssertion(response.exchange, status);
}

/** `value` matches `shape`; a mismatch names the JSON path, what was expected and what was there. */
export function expectShape(value: unknown, shape: z.ZodType, what: string, response?: MatrixResponse<unknown>): void {
  const problems = checkSchema(shape, value);
  if (problems.length > 0) throw new MatrixAssertionError(`${what} does not have the expected shape:\n${describeProblems(problems)}`, response?.exchange);
}
