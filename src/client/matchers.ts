import type { z } from "zod";
import type { MatrixResponse } from "./client.ts";
import { MatrixClientError, UnexpectedResponseError } from "./errors.ts";
import { checkSchema, describeProblems } from "./schema-check.ts";

/** A failed expectation about a response's JSON. */
export class MatrixAssertionError extends MatrixClientError {}

/**
 * The response is the standard error with this status and errcode
 * (client-server-api/#standard-error-response).
 */
export function expectMatrixError(response: MatrixResponse<unknown>, status: number, errcode: string): void {
  const body = response.body as { errcode?: unknown } | undefined;
  const actualCode = typeof body?.errcode === "string" ? body.errcode : undefined;
  if (response.status !== status || actualCode !== errcode) {
    throw new UnexpectedResponseError(
      `${response.endpoint}: expected HTTP ${status} ${errcode}, got HTTP ${response.status} ${actualCode ?? "without an errcode"}`,
      response.exchange,
    );
  }
}

/** The response has this status (with any body that passed the endpoint's schema). */
export function expectStatus(response: MatrixResponse<unknown>, status: number): void {
  if (response.status !== status) {
    const code = (response.body as { errcode?: unknown } | undefined)?.errcode;
    throw new UnexpectedResponseError(
      `${response.endpoint}: expected HTTP ${status}, got ${response.status}${typeof code === "string" ? ` ${code}` : ""}`,
      response.exchange,
    );
  }
}

/** `value` matches `shape`; a mismatch names the JSON path, what was expected and what was there. */
export function expectShape(value: unknown, shape: z.ZodType, what: string, response?: MatrixResponse<unknown>): void {
  const problems = checkSchema(shape, value);
  if (problems.length > 0) throw new MatrixAssertionError(`${what} does not have the expected shape:\n${describeProblems(problems)}`, response?.exchange);
}

/** A binary endpoint's error: the standard error JSON with this status and errcode. */
export function expectRawMatrixError(response: { status: number; json: unknown; endpoint: string; exchange: MatrixResponse<unknown>["exchange"] }, status: number, errcode: string): void {
  const actualCode = (response.json as { errcode?: unknown } | undefined)?.errcode;
  if (response.status !== status || actualCode !== errcode) {
    throw new UnexpectedResponseError(`${response.endpoint}: expected HTTP ${status} ${errcode}, got HTTP ${response.status} ${typeof actualCode === "string" ? actualCode : "without an errcode"}`, response.exchange);
  }
}
