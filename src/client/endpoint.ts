import type { z } from "zod";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** A spec endpoint: method, path template as the spec writes it, and the schema of its success body. */
export interface Endpoint<S extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  template: string;
  schema: S;
  /** Schema of 401 bodies where the endpoint uses user-interactive auth instead of the standard error. */
  unauthorizedSchema?: z.ZodType;
}

export function endpoint<S extends z.ZodType>(method: HttpMethod, template: string, schema: S, extra: { unauthorizedSchema?: z.ZodType } = {}): Endpoint<S> {
  return { method, template, schema, ...extra };
}

/** `POST /_matrix/client/v3/createRoom`: how tests, results and the coverage report name endpoints. */
export function endpointName(e: Pick<Endpoint, "method" | "template">): string {
  return `${e.method} ${e.template}`;
}

/** Fills `{roomId}`-style placeholders, percent-encoding each value (client-server-api/#api-standards). */
export function fillTemplate(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${template}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
}
