import { MatrixClient } from "./client.ts";
import { endpoints } from "./endpoints.ts";
import { MatrixClientError } from "./errors.ts";
import { registerSecret } from "./redact.ts";

/** A user's credentials on a homeserver: the one user type, whichever way the user was registered. */
export interface RegisteredAccount {
  userId: string;
  accessToken: string;
  deviceId: string;
  localpart: string;
  password: string;
}

/** A registered user with a client signed in as them, and the password for tests of login. */
export interface SignedInUser {
  client: MatrixClient;
  localpart: string;
  password: string;
}

/** One user-interactive-auth stage's `auth` body for a session (client-server-api/#user-interactive-authentication-api). */
type StageAuth = (stage: string, session: string | undefined) => Record<string, unknown>;

/**
 * POST /register, then complete the stages of the first offered flow that `pickFlow` accepts
 * (or fail with `refusal`); the account of the final 200.
 */
async function registerThroughStages(
  baseUrl: string,
  localpart: string,
  password: string,
  flowRule: { pickFlow: (flows: { stages: string[] }[]) => { stages: string[] } | undefined; refusal: (flows: { stages: string[] }[]) => string; auth: StageAuth },
  timeoutMs?: number,
): Promise<RegisteredAccount> {
  registerSecret(password);
  const client = new MatrixClient({ baseUrl, ...(timeoutMs ? { timeoutMs } : {}) });
  const first = await client.call(endpoints.register, { body: { username: localpart, password }, auth: false });
  let response = first;
  if (first.status === 401) {
    const session = (first.body as { session?: string }).session;
    const flows = (first.body as { flows?: { stages: string[] }[] }).flows ?? [];
    const flow = flowRule.pickFlow(flows);
    if (!flow) throw new MatrixClientError(flowRule.refusal(flows), first.exchange);
    for (const stage of flow.stages) {
      response = await client.call(endpoints.register, { body: { username: localpart, password, auth: flowRule.auth(stage, session) }, auth: false });
      if (response.status !== 401) break;
    }
  }
  const body = client.must(response);
  if (!body.access_token || !body.device_id) throw new MatrixClientError("POST /register returned no access token or device", response.exchange);
  registerSecret(body.access_token);
  return { userId: body.user_id, accessToken: body.access_token, deviceId: body.device_id, localpart, password };
}

const withSession = (session: string | undefined) => (session ? { session } : {});

/**
 * Registers through the spec's own flow: POST /register, then complete the `m.login.dummy`
 * stage of the returned session (client-server-api/#dummy-auth). Needs open registration.
 */
export function registerWithDummyAuth(baseUrl: string, localpart: string, password: string, timeoutMs?: number): Promise<RegisteredAccount> {
  return registerThroughStages(
    baseUrl,
    localpart,
    password,
    {
      pickFlow: (flows) => flows.find((flow) => flow.stages.length === 1 && flow.stages[0] === "m.login.dummy"),
      refusal: () => "POST /register offers no m.login.dummy-only flow, so users cannot be created without a registration secret; pass the homeserver's shared secret",
      auth: (stage, session) => ({ type: stage, ...withSession(session) }),
    },
    timeoutMs,
  );
}

/**
 * Registers through the spec's flow with a registration token (client-server-api/#token-authenticated-registration):
 * POST /register, then complete the `m.login.registration_token` stage, and `m.login.dummy` where the flow
 * asks for it too. For servers that create accounts only this way (the Conduit family).
 */
export function registerWithToken(baseUrl: string, localpart: string, password: string, token: string, timeoutMs?: number): Promise<RegisteredAccount> {
  registerSecret(token);
  const known = new Set(["m.login.registration_token", "m.login.dummy"]);
  return registerThroughStages(
    baseUrl,
    localpart,
    password,
    {
      pickFlow: (flows) => flows.find((flow) => flow.stages.length > 0 && flow.stages.every((stage) => known.has(stage))),
      refusal: (flows) =>
        `POST /register offers no flow of m.login.registration_token and m.login.dummy stages (it offers ${JSON.stringify(flows.map((f) => f.stages))}); enable token registration on the homeserver`,
      auth: (stage, session) => ({ type: stage, ...(stage === "m.login.registration_token" ? { token } : {}), ...withSession(session) }),
    },
    timeoutMs,
  );
}
