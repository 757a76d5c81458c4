import { createServer, type Server, type Socket } from "node:net";
import { isLoopbackAddress } from "../net/loopback.ts";
import { Recorder } from "../recording/recorder.ts";
import { parseMail } from "./mime.ts";

export interface ReceivedMail {
  /** MAIL FROM address without <> ("" for the null reverse-path). */
  from: string;
  /** RCPT TO addresses without <>. */
  to: string[];
  /** The DATA section, dot-unstuffed, CRLF line ends kept (bytes read as UTF-8). */
  raw: string;
  /** Top-level headers, lower-cased names, unfolded; the last of a repeated name wins. */
  headers: Record<string, string>;
  /** The Subject, RFC 2047-decoded. */
  subject: string;
  /** The text/plain part, decoded, or "". */
  text: string;
  /** The text/html part, decoded, or "". */
  html: string;
  /** Every http(s) URL in text and html (entities decoded), deduplicated, in order. */
  links: string[];
  receivedAt: number;
}

export interface SmtpSinkOptions {
  port: number;
  /** A loopback address; 127.0.0.1 unless given. */
  host?: string;
  /** How long to keep retrying while the port is in use (EADDRINUSE); 60000 unless given. */
  busyWaitMs?: number;
  /** Name in the greeting and EHLO reply. */
  name?: string;
  /** Connections with no traffic for this long are closed; 60000 unless given. */
  idleTimeoutMs?: number;
  /** Connections beyond this many are refused with 421; 50 unless given. */
  maxConnections?: number;
}

export interface WaitForOptions {
  timeoutMs?: number;
  filter?: (mail: ReceivedMail) => boolean;
}

const MAX_LINE_BYTES = 10_000;
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
const MAX_RECIPIENTS = 100;
const BUSY_RETRY_MS = 200;

/**
 * An SMTP server (RFC 5321 subset: no TLS, no AUTH) on loopback that keeps every message it is sent,
 * so tests can read the emails a homeserver delivers and follow their links.
 */
export class SmtpSink {
  readonly port: number;
  readonly host: string;
  readonly #server: Server;
  readonly #messages = new Recorder<ReceivedMail>();
  readonly #sockets = new Set<Socket>();
  #sessions = 0;
  #closed = false;

  private constructor(server: Server, host: string, port: number) {
    this.#server = server;
    this.host = host;
    this.port = port;
  }

  get messages(): readonly ReceivedMail[] {
    return this.#messages.items;
  }

  /** Binds the sink; while the port is in use it retries every 200 ms for up to busyWaitMs. */
  static async listen(options: SmtpSinkOptions): Promise<SmtpSink> {
    const host = options.host ?? "127.0.0.1";
    if (!isLoopbackAddress(host)) throw new Error(`SMTP sink host must be a loopback address (127.0.0.0/8 or ::1), got "${host}"; the sink only takes mail from a homeserver on this machine`);
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new Error(`SMTP sink port must be an integer 0-65535 (0 picks a free one), got ${options.port}`);
    const busyWaitMs = options.busyWaitMs ?? 60_000;
    const started = Date.now();
    let sink: SmtpSink | undefined;
    const server = createServer((socket) => {
      if (sink) sink.#accept(socket, options);
      else socket.destroy();
    });
    for (;;) {
      try {
        await bind(server, options.port, host);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "EADDRINUSE") throw new Error(`SMTP sink could not listen on ${host}:${options.port}: ${(error as Error).message}`);
        if (Date.now() - started + BUSY_RETRY_MS > busyWaitMs) {
          throw new Error(
            `SMTP sink port ${host}:${options.port} is still in use after waiting ${busyWaitMs} ms. Another test file may hold the sink of the same homeserver ` +
              `(binding waits for it to close), or another process owns the port: find it with "ss -ltnp 'sport = :${options.port}'"`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
      }
    }
    // A listening server can still emit errors; swallow them rather than crash the test process.
    server.on("error", () => {});
    const address = server.address();
    sink = new SmtpSink(server, host, typeof address === "object" && address ? address.port : options.port);
    return sink;
  }

  /**
   * Resolves with the first message (already received or arriving later) to `address`, compared
   * case-insensitively, that satisfies `filter`; rejects after timeoutMs listing what did arrive.
   */
  waitFor(address: string, options: WaitForOptions = {}): Promise<ReceivedMail> {
    const timeoutMs = options.timeoutMs ?? 20_000;
    const wanted = address.toLowerCase();
    const matches = (mail: ReceivedMail) => mail.to.some((to) => to.toLowerCase() === wanted) && (options.filter?.(mail) ?? true);
    return this.#messages.waitFor(
      matches,
      timeoutMs,
      () =>
        `no mail to ${address}${options.filter ? " matching the filter" : ""} reached the SMTP sink on ${this.host}:${this.port} within ${timeoutMs} ms; ${this.#describeArrivals()}. Check the homeserver's email settings (smtp_host/smtp_port) point at this sink and its log for send errors`,
    );
  }

  /** Stops listening, drops open connections and rejects pending waitFor calls. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#messages.close(
      `SMTP sink on ${this.host}:${this.port} was closed while waiting for mail; ${this.#describeArrivals()}`,
      `SMTP sink on ${this.host}:${this.port} is closed; the mail awaited did not arrive before it closed`,
    );
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #describeArrivals(): string {
    if (this.#messages.items.length === 0) return "no mail arrived at all";
    const list = this.#messages.items.map((mail) => `to ${mail.to.join(", ")}: "${mail.subject}"`);
    return `${this.#messages.items.length} arrived: ${list.join("; ")}`;
  }

  #deliver(mail: ReceivedMail): void {
    this.#messages.record(mail);
  }

  #accept(socket: Socket, options: SmtpSinkOptions): void {
    socket.on("error", () => {}); // resets and broken pipes from a client are its problem, not ours
    if (this.#closed) return void socket.destroy();
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
    if (this.#sessions >= (options.maxConnections ?? 50)) {
      socket.end("421 4.7.0 Too many connections, try again later\r\n");
      socket.setTimeout(5_000, () => socket.destroy());
      return;
    }
    this.#sessions++;
    socket.on("close", () => this.#sessions--);
    new SmtpSession(socket, options.name ?? "localhost", options.idleTimeoutMs ?? 60_000, (mail) => this.#deliver(mail));
  }
}

function bind(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ port, host });
  });
}

interface Transaction {
  from: string;
  to: string[];
}

/** One client connection: reads lines (commands, or message text after DATA) and replies to each in order. */
class SmtpSession {
  readonly #socket: Socket;
  readonly #name: string;
  readonly #deliver: (mail: ReceivedMail) => void;
  // The unterminated tail of the input, kept as chunks so a long line is not copied over and over.
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #overflow = false;
  #mode: "command" | "data" | "closed" = "command";
  #transaction: Transaction | undefined;
  #data: Buffer[] = [];
  #dataBytes = 0;
  #dataTooBig = false;

  constructor(socket: Socket, name: string, idleTimeoutMs: number, deliver: (mail: ReceivedMail) => void) {
    this.#socket = socket;
    this.#name = name;
    this.#deliver = deliver;
    socket.setTimeout(idleTimeoutMs);
    socket.on("timeout", () => {
      // Once closing, a client that still has not hung up gets no more time.
      if (this.#mode === "closed") return void socket.destroy();
      this.#reply(`421 4.4.2 ${name} Idle for ${idleTimeoutMs} ms, closing connection`);
      this.#close();
    });
    socket.on("data", (chunk: Buffer) => {
      try {
        this.#receive(chunk);
      } catch (error) {
        // A bug here must not take the test process down with it; tell the client and hang up.
        this.#reply(`451 4.3.0 Internal error in the sink: ${(error as Error).message}`);
        this.#close();
      }
    });
    socket.on("drain", () => socket.resume());
    this.#reply(`220 ${name} ESMTP gauntlet sink`);
  }

  #receive(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length && this.#mode !== "closed") {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) {
        this.#hold(chunk.subarray(start));
        return;
      }
      const piece = chunk.subarray(start, newline + 1);
      start = newline + 1;
      const line = this.#pending.length > 0 ? Buffer.concat([...this.#pending, piece]) : piece;
      const overflow = this.#overflow || line.length > this.#lineLimit() + 2;
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#overflow = false;
      const content = line.subarray(0, line.length - (line.length >= 2 && line[line.length - 2] === 0x0d ? 2 : 1));
      if (this.#mode === "data") this.#dataLine(content, overflow);
      else if (overflow) this.#reply(`500 5.5.2 Line too long (limit ${MAX_LINE_BYTES} bytes)`);
      else this.#command(content.toString("utf8"));
    }
  }

  #lineLimit(): number {
    return this.#mode === "data" ? MAX_MESSAGE_BYTES : MAX_LINE_BYTES;
  }

  // Keeps an unterminated tail, dropping it (and remembering that) once it passes the limit.
  #hold(piece: Buffer): void {
    if (this.#overflow) return;
    this.#pending.push(piece);
    this.#pendingBytes += piece.length;
    if (this.#pendingBytes > this.#lineLimit()) {
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#overflow = true;
    }
  }

  #command(line: string): void {
    const match = /^([A-Za-z]+)(?:[ \t]+(.*))?$/.exec(line.trimEnd());
    const verb = match?.[1]?.toUpperCase() ?? "";
    const argument = match?.[2]?.trim() ?? "";
    switch (verb) {
      case "EHLO":
      case "HELO":
        if (!argument) return this.#reply(`501 5.5.4 ${verb} needs a domain or address literal`);
        this.#transaction = undefined;
        if (verb === "HELO") return this.#reply(`250 ${this.#name}`);
        return this.#replyLines(250, [`${this.#name} greets ${argument}`, "PIPELINING", "8BITMIME", "SMTPUTF8", `SIZE ${MAX_MESSAGE_BYTES}`]);
      case "MAIL":
        return this.#mail(argument);
      case "RCPT":
        return this.#rcpt(argument);
      case "DATA":
        if (!this.#transaction) return this.#reply("503 5.5.1 Need MAIL FROM before DATA");
        if (this.#transaction.to.length === 0) return this.#reply("503 5.5.1 Need RCPT TO before DATA");
        if (argument) return this.#reply("501 5.5.4 DATA takes no arguments");
        this.#mode = "data";
        this.#data = [];
        this.#dataBytes = 0;
        this.#dataTooBig = false;
        return this.#reply("354 End data with <CR><LF>.<CR><LF>");
      case "RSET":
        this.#transaction = undefined;
        return this.#reply("250 2.0.0 Ok");
      case "NOOP":
        return this.#reply("250 2.0.0 Ok");
      case "VRFY":
        return this.#reply("252 2.1.5 Cannot verify the user, but will accept the message");
      case "QUIT":
        this.#reply(`221 2.0.0 ${this.#name} closing connection`);
        return this.#close();
      case "EXPN":
      case "HELP":
      case "TURN":
      case "STARTTLS":
      case "AUTH":
      case "BDAT":
        return this.#reply(`502 5.5.1 ${verb} is not implemented`);
      default:
        return this.#reply(`500 5.5.2 Command not recognized: "${line.slice(0, 40).replace(/[^\x20-\x7e]/g, "?")}"`);
    }
  }

  #mail(argument: string): void {
    if (this.#transaction) return this.#reply("503 5.5.1 Nested MAIL command; send RSET first");
    const parsed = parsePath(argument, "FROM");
    if (!parsed) return this.#reply("501 5.5.4 Syntax: MAIL FROM:<address> [parameters]");
    const size = /(?:^|\s)SIZE=(\d+)/i.exec(parsed.parameters);
    if (size && Number(size[1]) > MAX_MESSAGE_BYTES) return this.#reply(`552 5.3.4 Message size exceeds the limit of ${MAX_MESSAGE_BYTES} bytes`);
    this.#transaction = { from: parsed.address, to: [] };
    this.#reply("250 2.1.0 Ok");
  }

  #rcpt(argument: string): void {
    if (!this.#transaction) return this.#reply("503 5.5.1 Need MAIL FROM before RCPT TO");
    const parsed = parsePath(argument, "TO");
    if (!parsed?.address) return this.#reply("501 5.5.4 Syntax: RCPT TO:<address> [parameters]");
    if (this.#transaction.to.length >= MAX_RECIPIENTS) return this.#reply(`452 4.5.3 Too many recipients (limit ${MAX_RECIPIENTS})`);
    this.#transaction.to.push(parsed.address);
    this.#reply("250 2.1.5 Ok");
  }

  #dataLine(content: Buffer, overflow: boolean): void {
    if (!overflow && content.length === 1 && content[0] === 0x2e) return this.#endData();
    if (overflow || this.#dataTooBig) {
      this.#dataTooBig = true;
      this.#data = [];
      return;
    }
    // RFC 5321 4.5.2: a leading dot was doubled by the client; remove one.
    const unstuffed = content[0] === 0x2e ? content.subarray(1) : content;
    this.#dataBytes += unstuffed.length + 2;
    if (this.#dataBytes > MAX_MESSAGE_BYTES) {
      this.#dataTooBig = true;
      this.#data = [];
      return;
    }
    this.#data.push(unstuffed, CRLF);
  }

  #endData(): void {
    const transaction = this.#transaction!;
    this.#mode = "command";
    this.#transaction = undefined;
    if (this.#dataTooBig) {
      this.#data = [];
      return this.#reply(`552 5.3.4 Message size exceeds the limit of ${MAX_MESSAGE_BYTES} bytes`);
    }
    const bytes = Buffer.concat(this.#data);
    this.#data = [];
    const parsed = parseMail(bytes);
    this.#deliver({ from: transaction.from, to: transaction.to, raw: bytes.toString("utf8"), ...parsed, receivedAt: Date.now() });
    this.#reply("250 2.0.0 Ok: queued");
  }

  #replyLines(code: number, lines: string[]): void {
    this.#reply(lines.map((line, index) => `${code}${index === lines.length - 1 ? " " : "-"}${line}`).join("\r\n"));
  }

  // When the client does not read its replies, stop reading its commands until they drain.
  #reply(text: string): void {
    if (this.#mode === "closed" || !this.#socket.writable) return;
    if (!this.#socket.write(`${text}\r\n`)) this.#socket.pause();
  }

  #close(): void {
    this.#mode = "closed";
    this.#pending = [];
    this.#data = [];
    this.#socket.end();
    this.#socket.resume(); // let "end" complete even if paused for backpressure
    this.#socket.setTimeout(5_000);
  }
}

const CRLF = Buffer.from("\r\n");

/** `FROM:<addr> params` / `TO:<addr> params`, tolerating a space after the colon and a missing <>. */
function parsePath(argument: string, keyword: "FROM" | "TO"): { address: string; parameters: string } | undefined {
  const match = new RegExp(`^${keyword}:\\s*(?:<([^>]*)>|([^\\s<>]+))(.*)$`, "i").exec(argument);
  if (!match) return undefined;
  // Drop an RFC 5321 source route (@relay1,@relay2:user@domain); only the mailbox matters.
  const address = (match[1] ?? match[2] ?? "").replace(/^@[^:]*:/, "");
  return { address, parameters: match[3]!.trim() };
}
