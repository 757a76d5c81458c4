// An HTTP/1.1 response parser for one keep-alive connection (RFC 9112): the status line and
// header fields, then a body framed by Content-Length, chunked transfer coding, or the
// connection's close. Pure: bytes in, a finished response out.

export interface ParsedResponse {
  readonly status: number;
  /** Field names as received, lower-cased; repeated fields joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Whether the connection may carry another request (no `Connection: close`, framed body). */
  readonly keepAlive: boolean;
}

type Framing = "length" | "chunked" | "close" | "none";
type ChunkState = "size" | "data" | "data-end" | "trailers";

const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");
const EMPTY = Buffer.alloc(0);
/** A response head larger than this is refused, as servers refuse huge request heads. */
const MAX_HEAD_BYTES = 256 * 1024;

export class ResponseParseError extends Error {}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

/** The status code of a status line `HTTP/1.x NNN[ reason]` (head[0, end)), or undefined when it is not one. */
function statusOf(head: string, end: number): number | undefined {
  if (end < 12 || !head.startsWith("HTTP/1.")) return undefined;
  const minor = head.charCodeAt(7);
  if ((minor !== 0x30 && minor !== 0x31) || head.charCodeAt(8) !== 0x20) return undefined;
  const a = head.charCodeAt(9);
  const b = head.charCodeAt(10);
  const c = head.charCodeAt(11);
  if (!isDigit(a) || !isDigit(b) || !isDigit(c)) return undefined;
  if (end > 12 && head.charCodeAt(12) !== 0x20) return undefined;
  return (a - 0x30) * 100 + (b - 0x30) * 10 + (c - 0x30);
}

export class Http1ResponseParser {
  #pending: Buffer = EMPTY;
  #headDone = false;
  #status = 0;
  #headers: Record<string, string> = {};
  #keepAlive = true;
  #framing: Framing = "none";
  #remaining = 0;
  #chunkState: ChunkState = "size";
  #body: Buffer[] = [];
  readonly #bodyless: boolean;

  /** `bodyless`: the request was HEAD, so no body follows whatever the headers say. */
  constructor(bodyless = false) {
    this.#bodyless = bodyless;
  }

  /** Whether the head has been parsed (the response's first line and fields arrived). */
  get headReceived(): boolean {
    return this.#headDone;
  }

  /** Consumes bytes; returns the response once it is complete, else undefined. */
  feed(chunk: Buffer): ParsedResponse | undefined {
    let data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = EMPTY;
    while (!this.#headDone) {
      const end = data.indexOf(HEAD_END);
      if (end < 0) {
        if (data.length > MAX_HEAD_BYTES) throw new ResponseParseError(`response head exceeds ${MAX_HEAD_BYTES} bytes`);
        this.#pending = data;
        return undefined;
      }
      const interim = this.#parseHead(data.toString("latin1", 0, end));
      data = data.subarray(end + 4);
      // 1xx responses (100 Continue) precede the real one.
      if (interim) this.#resetHead();
    }
    return this.#feedBody(data);
  }

  /** The connection closed: completes a body framed by the close, else the response is cut short. */
  end(): ParsedResponse | undefined {
    if (this.#headDone && this.#framing === "close") return this.#finish(false);
    return undefined;
  }

  #resetHead(): void {
    this.#headDone = false;
    this.#headers = {};
  }

  /** Parses the head; true when it was an interim (1xx) response. */
  #parseHead(head: string): boolean {
    // Walked with indexOf rather than split and a regular expression: this runs once per
    // response, and the load engine's CPU share per request is what it spends here.
    let lineEnd = head.indexOf("\r\n");
    if (lineEnd < 0) lineEnd = head.length;
    const status = statusOf(head, lineEnd);
    if (status === undefined) throw new ResponseParseError(`not an HTTP/1.x status line: ${JSON.stringify(head.slice(0, Math.min(lineEnd, 80)))}`);
    this.#status = status;
    this.#keepAlive = head.charCodeAt(7) === 0x31; // HTTP/1.1 keeps the connection by default, 1.0 does not
    const headers = this.#headers;
    let at = lineEnd + 2;
    while (at <= head.length) {
      let end = head.indexOf("\r\n", at);
      if (end < 0) end = head.length;
      const colon = head.indexOf(":", at);
      if (colon <= at || colon >= end) throw new ResponseParseError(`malformed header field: ${JSON.stringify(head.slice(at, Math.min(end, at + 80)))}`);
      const name = head.slice(at, colon).toLowerCase();
      const value = head.slice(colon + 1, end).trim();
      const previous = headers[name];
      headers[name] = previous === undefined ? value : `${previous}, ${value}`;
      at = end + 2;
    }
    this.#headDone = true;
    if (this.#status >= 100 && this.#status < 200) return this.#status !== 101;
    const connection = headers.connection?.toLowerCase();
    if (connection === "close") this.#keepAlive = false;
    else if (connection === "keep-alive") this.#keepAlive = true;
    this.#framing = this.#framingOf(headers);
    return false;
  }

  #framingOf(headers: Record<string, string>): Framing {
    if (this.#bodyless || this.#status === 204 || this.#status === 304) return "none";
    const coding = headers["transfer-encoding"];
    if (coding !== undefined && coding.toLowerCase().includes("chunked")) {
      this.#chunkState = "size";
      return "chunked";
    }
    const length = headers["content-length"];
    if (length !== undefined) {
      const n = Number(length.split(",")[0]);
      if (!Number.isInteger(n) || n < 0) throw new ResponseParseError(`invalid Content-Length: ${length}`);
      this.#remaining = n;
      return n === 0 ? "none" : "length";
    }
    this.#keepAlive = false;
    return "close";
  }

  #feedBody(data: Buffer): ParsedResponse | undefined {
    switch (this.#framing) {
      case "none":
        return this.#finish(this.#keepAlive && data.length === 0);
      case "close":
        if (data.length > 0) this.#body.push(data);
        return undefined;
      case "length":
        if (data.length < this.#remaining) {
          if (data.length > 0) this.#body.push(data);
          this.#remaining -= data.length;
          return undefined;
        }
        this.#body.push(data.length === this.#remaining ? data : data.subarray(0, this.#remaining));
        // Bytes beyond the body mean the server sent more than one response: not reusable.
        return this.#finish(this.#keepAlive && data.length === this.#remaining);
      case "chunked":
        return this.#feedChunked(data);
    }
  }

  #feedChunked(data: Buffer): ParsedResponse | undefined {
    let at = 0;
    while (at < data.length) {
      if (this.#chunkState === "data") {
        const take = Math.min(this.#remaining, data.length - at);
        this.#body.push(data.subarray(at, at + take));
        at += take;
        this.#remaining -= take;
        if (this.#remaining > 0) return undefined;
        this.#chunkState = "data-end";
        continue;
      }
      const lineEnd = data.indexOf(CRLF, at);
      if (lineEnd < 0) {
        this.#pending = data.subarray(at);
        return undefined;
      }
      const line = data.toString("latin1", at, lineEnd);
      at = lineEnd + 2;
      if (this.#chunkState === "data-end") {
        if (line !== "") throw new ResponseParseError("chunk data not followed by CRLF");
        this.#chunkState = "size";
      } else if (this.#chunkState === "size") {
        const size = parseInt(line.split(";")[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0) throw new ResponseParseError(`invalid chunk size line: ${JSON.stringify(line.slice(0, 40))}`);
        if (size === 0) this.#chunkState = "trailers";
        else {
          this.#remaining = size;
          this.#chunkState = "data";
        }
      } else if (line === "") {
        return this.#finish(this.#keepAlive && at === data.length);
      }
    }
    return undefined;
  }

  #finish(keepAlive: boolean): ParsedResponse {
    const parts = this.#body;
    const body = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    return { status: this.#status, headers: this.#headers, body, keepAlive };
  }
}
