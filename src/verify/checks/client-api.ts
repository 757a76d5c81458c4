import { record, type VerifyContext } from "../context.ts";
import { jsonObject } from "../http.ts";

const GROUP = "client-api";

/** Stages that prove a human or a known address is behind a registration (client-server API "User-Interactive Authentication"). */
const VERIFYING_STAGES = new Set(["m.login.recaptcha", "m.login.email.identity", "m.login.msisdn", "m.login.registration_token", "m.login.sso", "m.oauth"]);

export async function checkLoginFlows(context: VerifyContext, baseUrl: string): Promise<string[]> {
  const url = `${baseUrl}/_matrix/client/v3/login`;
  try {
    const r = await context.http.request({ url });
    const flows = jsonObject(r.body)?.flows;
    const types = Array.isArray(flows) ? flows.map((f) => String((f as { type?: unknown })?.type)) : [];
    if (r.status === 200 && types.length > 0) {
      record(context, GROUP, "client.login-flows", "Login flows", "pass", [`GET ${url}`, `flows: ${types.join(", ")}`]);
    } else {
      record(context, GROUP, "client.login-flows", "Login flows", "fail", [`GET ${url}`, `HTTP ${r.status}`], "Proxy /_matrix/client/ to the homeserver's client listener");
    }
    return types;
  } catch (error) {
    record(context, GROUP, "client.login-flows", "Login flows", "fail", [`GET ${url}`, (error as Error).message], "Proxy /_matrix/client/ to the homeserver's client listener");
    return [];
  }
}

/**
 * Registration safety. Read-only, `GET /register/available` tells whether anyone may sign up; which
 * verification stages apply is only answered to a `POST /register`, sent only with --allow-writes.
 */
export async function checkRegistration(context: VerifyContext, baseUrl: string): Promise<void> {
  const id = "client.registration";
  const title = "Registration";
  const availableUrl = `${baseUrl}/_matrix/client/v3/register/available?username=gauntlet-verify-probe`;
  const fixOpen = "Set enable_registration: false, or require a verification stage (registration_requires_token, email, or captcha)";
  let open: boolean;
  const evidence: string[] = [];
  try {
    const r = await context.http.request({ url: availableUrl });
    const errcode = jsonObject(r.body)?.errcode;
    evidence.push(`GET ${availableUrl}`, `HTTP ${r.status}${typeof errcode === "string" ? ` ${errcode}` : ""}`);
    if (r.status === 403) {
      record(context, GROUP, id, title, "pass", [...evidence, "registration is disabled"]);
      return;
    }
    // 200 (available) and 400 M_USER_IN_USE both mean the server considers sign-ups.
    open = r.status === 200 || (r.status === 400 && errcode === "M_USER_IN_USE");
    if (!open) {
      record(context, GROUP, id, title, "warn", evidence, "Expected 200 or 403 from /register/available; check the proxy routes /_matrix/client/ unchanged");
      return;
    }
  } catch (error) {
    record(context, GROUP, id, title, "warn", [`GET ${availableUrl}`, (error as Error).message], "Proxy /_matrix/client/ to the homeserver");
    return;
  }
  if (!context.options.allowWrites) {
    record(
      context,
      GROUP,
      id,
      title,
      context.options.allowOpenRegistration ? "pass" : "warn",
      [...evidence, "registration is open; its verification stages were not read (that needs a POST, sent only with --allow-writes)"],
      "Run again with --allow-writes to check the stages, or disable registration if nobody should sign up",
    );
    return;
  }
  // Without `auth` the server answers 401 with the flows and creates no account (UIA, "Registration").
  const registerUrl = `${baseUrl}/_matrix/client/v3/register`;
  try {
    const r = await context.http.request({ method: "POST", url: registerUrl, json: {} });
    const flows = jsonObject(r.body)?.flows;
    const stageLists = Array.isArray(flows) ? flows.map((f) => ((f as { stages?: unknown })?.stages instanceof Array ? ((f as { stages: unknown[] }).stages.map(String)) : [])) : [];
    evidence.push(`POST ${registerUrl} {}`, `HTTP ${r.status}`, `flows: ${stageLists.map((s) => `[${s.join(", ")}]`).join(" ") || "(none)"}`);
    if (r.status !== 401 || stageLists.length === 0) {
      record(context, GROUP, id, title, "warn", evidence, "Expected 401 with registration flows; check the proxy passes POST /_matrix/client/v3/register");
      return;
    }
    const unverified = stageLists.filter((stages) => !stages.some((s) => VERIFYING_STAGES.has(s)));
    if (unverified.length === 0) {
      record(context, GROUP, id, title, "pass", [...evidence, "every flow requires a verification stage"]);
    } else if (context.options.allowOpenRegistration) {
      record(context, GROUP, id, title, "warn", [...evidence, "anyone can register without verification (allowed by --allow-open-registration)"], fixOpen);
    } else {
      record(context, GROUP, id, title, "fail", [...evidence, `open registration without verification: flow [${unverified[0]!.join(", ")}] needs no captcha, email, phone or token; spam bots can sign up`], fixOpen);
    }
  } catch (error) {
    record(context, GROUP, id, title, "warn", [...evidence, `POST ${registerUrl}: ${(error as Error).message}`], "Proxy /_matrix/client/ to the homeserver");
  }
}

/** Authenticated media (client-server API "Content repository", v1.11): the upload limit users will meet. */
export async function checkMediaConfig(context: VerifyContext, baseUrl: string, accessToken: string | undefined): Promise<number | undefined> {
  if (!accessToken) {
    record(context, GROUP, "client.media-config", "Media configuration", "skip", ["needs credentials (--token, or --user and --password)"]);
    return undefined;
  }
  const url = `${baseUrl}/_matrix/client/v1/media/config`;
  try {
    const r = await context.http.request({ url, headers: { authorization: `Bearer ${accessToken}` } });
    const size = jsonObject(r.body)?.["m.upload.size"];
    if (r.status !== 200) {
      record(context, GROUP, "client.media-config", "Media configuration", "fail", [`GET ${url}`, `HTTP ${r.status}`], "Proxy /_matrix/client/v1/media/ to the homeserver (authenticated media)");
    } else if (typeof size === "number") {
      const mib = size / 1_048_576;
      // Guides raise nginx's client_max_body_size with max_upload_size; a tiny limit usually means one was forgotten.
      record(context, GROUP, "client.media-config", "Media configuration", mib < 1 ? "warn" : "pass", [`GET ${url}`, `m.upload.size: ${size} bytes (${mib.toFixed(1)} MiB)`], "Raise max_upload_size and the proxy's body size limit (nginx: client_max_body_size) together");
      return size;
    } else {
      record(context, GROUP, "client.media-config", "Media configuration", "pass", [`GET ${url}`, "m.upload.size not advertised (no limit announced)"]);
    }
  } catch (error) {
    record(context, GROUP, "client.media-config", "Media configuration", "fail", [`GET ${url}`, (error as Error).message], "Proxy /_matrix/client/v1/media/ to the homeserver");
  }
}
