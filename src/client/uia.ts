import type { z } from "zod";
import type { CallOptions, MatrixClient, MatrixResponse } from "./client.ts";
import type { Endpoint } from "./endpoint.ts";
import { SchemaViolationError, UnexpectedResponseError } from "./errors.ts";
import { checkSchema, describeProblems } from "./schema-check.ts";
import { userInteractiveAuthResponse, type UserInteractiveAuth } from "./schemas/auth.ts";

/**
 * The user-interactive auth challenge of a 401 response, else a failure naming the request
 * (client-server-api/#user-interactive-authentication-api).
 */
export function mustChallenge(response: MatrixResponse<unknown>): UserInteractiveAuth {
  if (response.status !== 401) throw new UnexpectedResponseError(`${response.endpoint}: expected HTTP 401 with a user-interactive auth challenge, got ${response.status}`, response.exchange);
  const body = response.exchange.responseBody;
  const problems = checkSchema(userInteractiveAuthResponse, body);
  if (problems.length > 0) throw new SchemaViolationError(`${response.endpoint}: the 401 body is not a user-interactive auth challenge:\n${describeProblems(problems)}`, response.exchange);
  return body as UserInteractiveAuth;
}

/**
 * Performs a request guarded by user-interactive auth with the password stage: the first attempt
 * must be refused with 401 and a session, the second completes m.login.password in that session
 * (client-server-api/#user-interactive-authentication-api).
 */
export async function withPasswordAuth<S extends z.ZodType>(
  client: MatrixClient,
  ep: Endpoint<S>,
  password: string,
  options: CallOptions & { body?: Record<string, unknown> } = {},
): Promise<MatrixResponse<z.infer<S>>> {
  const first = await client.call(ep, options);
  if (first.status !== 401) return first;
  const challenge = mustChallenge(first);
  if (!challenge.flows.some((flow) => flow.stages.includes("m.login.password"))) {
    throw new UnexpectedResponseError(`${first.endpoint}: no user-interactive auth flow offers m.login.password`, first.exchange);
  }
  const auth = { type: "m.login.password", identifier: { type: "m.id.user", user: client.userId }, password, ...(challenge.session ? { session: challenge.session } : {}) };
  return client.call(ep, { ...options, body: { ...(options.body ?? {}), auth } });
}
