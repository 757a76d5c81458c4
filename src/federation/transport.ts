import { Agent, request } from "undici";
import { signXMatrixRequest, type JsonValue, type SigningKey } from "../protocol/index.ts";

/** Where a server name's federation API is reached: explicit, never DNS (tests stay on loopback). */
export type FederationDirectory = (serverName: string) => string | undefined;

export interface FederationResponse {
  status: number;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  /** The raw body, for responses that are not JSON (media, multipart). */
  bytes: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export class FederationRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FederationRequestError";
  }
}

/**
 * Signs and sends server-server requests (X-Matrix, server-server API "Request Authentication"),
 * trusting only the run CA for TLS.
 */
export class FederationClient {
  readonly #agent: Agent;
  readonly #origin: string;
  readonly #keyId: string;
  readonly #key: SigningKey;
  readonly #directory: FederationDirectory;
  readonly #timeoutMs: number;

  constructor(options: { origin: string; keyId: string; key: SigningKey; caCertPem: string; directory: FederationDirectory; timeoutMs?: number }) {
    this.#origin = options.origin;
    this.#keyId = options.keyId;
    this.#key = options.key;
    this.#directory = options.directory;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#agent = new Agent({ connect: { ca: options.caCertPem }, headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs });
  }

  #baseUrl(destination: string): string {
    const base = this.#directory(destination);
    if (!base) throw new FederationRequestError(`no federation address known for ${destination}`);
    return base;
  }

  /** A request without X-Matrix auth (key queries, version). */
  async get(destination: string, path: string): Promise<FederationResponse> {
    return this.#send(destination, "GET", path, undefined, false);
  }

  /** A request signed by this server. */
  async request(destination: string, method: string, path: string, content?: JsonValue): Promise<FederationResponse> {
    return this.#send(destination, method, path, content, true);
  }

  /** A request with an Authorization header of the caller's choosing, or none: for refusal tests. */
  async requestWithAuthorization(destination: string, method: string, path: string, authorization: string | undefined, content?: JsonValue): Promise<FederationResponse> {
    return this.#send(destination, method, path, content, false, authorization);
  }

  /** A request whose body is sent as the given text, with the caller's Authorization: for bodies JSON.stringify cannot write. */
  async requestWithBodyText(destination: string, method: string, path: string, authorization: string, bodyText: string): Promise<FederationResponse> {
    return this.#send(destination, method, path, undefined, false, authorization, bodyText);
  }

  async #send(destination: string, method: string, path: string, content: JsonValue | undefined, signed: boolean, authorization?: string, bodyText?: string): Promise<FederationResponse> {
    const url = new URL(path, this.#baseUrl(destination));
    const headers: Record<string, string> = { host: destination };
    const body = bodyText ?? (content !== undefined ? JSON.stringify(content) : undefined);
    if (body !== undefined) headers["content-type"] = "application/json";
    if (authorization !== undefined) headers.authorization = authorization;
    if (signed) {
      headers.authorization = signXMatrixRequest(
        { method, uri: `${url.pathname}${url.search}`, origin: this.#origin, destination, ...(content !== undefined ? { content } : {}) },
        this.#keyId,
        this.#key,
      );
    }
    try {
      const response = await request(url, {
        method: method as "GET",
        headers,
        ...(body !== undefined ? { body } : {}),
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const bytes = Buffer.from(await response.body.arrayBuffer());
      const text = bytes.toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.statusCode, text, json, bytes, headers: response.headers };
    } catch (error) {
      throw new FederationRequestError(`${method} ${url.pathname} to ${destination}: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
