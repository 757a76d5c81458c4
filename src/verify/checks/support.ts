import { headerEvidence, record, type VerifyContext } from "../context.ts";
import { jsonObject } from "../http.ts";
import { hostForUrl } from "../server-name.ts";

const GROUP = "client-discovery";
const ID = "client.well-known-support";
const TITLE = "/.well-known/matrix/support";

/** Client-server API "GET /.well-known/matrix/support": optional, but when served it must name contacts or a support page. */
export async function checkSupportFile(context: VerifyContext, host: string | undefined): Promise<void> {
  if (!host) {
    record(context, GROUP, ID, TITLE, "skip", ["the server name has an IP literal or explicit port: no well-known files"]);
    return;
  }
  const url = `https://${hostForUrl(host)}/.well-known/matrix/support`;
  const fix = `Serve {"contacts": [{"role": "m.role.admin", "matrix_id": "@admin:${host}"}], "support_page": "https://…"} as application/json at ${url}`;
  try {
    const r = await context.http.request({ url, followRedirects: 10 });
    const evidence = [`GET ${url}`, `HTTP ${r.status}`, ...(r.redirectProblem ? [r.redirectProblem] : [])];
    if (r.status === 404) {
      record(context, GROUP, ID, TITLE, "info", [...evidence, "no support contacts published (optional): people who need the server's admins have no way to find them"], fix);
      return;
    }
    const body = r.status === 200 ? jsonObject(r.body) : undefined;
    const contacts = Array.isArray(body?.contacts) ? (body.contacts as unknown[]) : [];
    const described = contacts.flatMap((c) => {
      const contact = c as { role?: unknown; matrix_id?: unknown; email_address?: unknown };
      const where = [contact.matrix_id, contact.email_address].filter((v): v is string => typeof v === "string");
      return typeof contact.role === "string" && where.length > 0 ? [`${contact.role}: ${where.join(", ")}`] : [];
    });
    const page = typeof body?.support_page === "string" ? body.support_page : undefined;
    if (!body) {
      record(context, GROUP, ID, TITLE, "warn", [...evidence, headerEvidence(r.headers, "Content-Type"), `body starts ${JSON.stringify(r.body.slice(0, 40))}`], fix);
    } else if (described.length === 0 && !page) {
      record(context, GROUP, ID, TITLE, "warn", [...evidence, "neither a contact with a role and a Matrix ID or email address, nor support_page"], fix);
    } else {
      record(context, GROUP, ID, TITLE, "pass", [...evidence, ...described.map((d) => `contact ${d}`), ...(page ? [`support_page: ${page}`] : [])]);
    }
  } catch (error) {
    record(context, GROUP, ID, TITLE, "warn", [`GET ${url}`, (error as Error).message], fix);
  }
}
