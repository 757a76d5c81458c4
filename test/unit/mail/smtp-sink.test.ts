import { execFile } from "node:child_process";
import { connect, createServer, type Server, type Socket } from "node:net";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SmtpSink } from "../../../src/mail/smtp-sink.ts";

/** A bare SMTP client: writes exactly the bytes it is given and reads replies (a multi-line reply counts once). */
class RawClient {
  readonly socket: Socket;
  readonly #replies: string[] = [];
  readonly #waiting: (() => void)[] = [];
  #buffer = "";
  #lines: string[] = [];
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.#buffer += chunk.toString("utf8");
      let newline: number;
      while ((newline = this.#buffer.indexOf("\r\n")) !== -1) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 2);
        this.#lines.push(line);
        if (line[3] === "-") continue;
        this.#replies.push(this.#lines.join("\n"));
        this.#lines = [];
      }
      this.#wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.#wake();
    });
    socket.on("error", () => {});
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect({ port, host: "127.0.0.1" });
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    return new RawClient(socket);
  }

  #wake(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }

  /** The next reply; rejects if the server closes the connection first. */
  async reply(): Promise<string> {
    while (this.#replies.length === 0) {
      if (this.closed) throw new Error("server closed the connection without a reply");
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    return this.#replies.shift()!;
  }

  async replies(count: number): Promise<string[]> {
    const collected: string[] = [];
    for (let i = 0; i < count; i++) collected.push(await this.reply());
    return collected;
  }

  /** Writes and waits until the bytes are handed to the kernel, so separate calls leave as separate segments. */
  write(text: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(text, (error) => (error ? reject(error) : resolve())));
  }

  async send(text: string, replies = 1): Promise<string[]> {
    await this.write(text);
    return this.replies(replies);
  }

  async untilClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
}

const codes = (replies: string[]) => replies.map((reply) => reply.slice(0, 3));

function listenBlocker(port = 0): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  return new Promise((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", () => resolve(server)));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("SMTP sink protocol", () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await SmtpSink.listen({ port: 0 });
  });
  afterAll(async () => {
    await sink?.close();
  });

  test("greets, and EHLO lists 8BITMIME, SMTPUTF8 and SIZE without STARTTLS or AUTH", async () => {
    const client = await RawClient.connect(sink.port);
    expect(await client.reply()).toMatch(/^220 \S+ ESMTP gauntlet sink$/);
    const [ehlo] = await client.send("EHLO client.example\r\n");
    const lines = ehlo!.split("\n");
    expect(lines.slice(0, -1).every((line) => line.startsWith("250-"))).toBe(true);
    expect(lines.at(-1)).toMatch(/^250 /);
    const keywords = lines.map((line) => line.slice(4));
    expect(keywords).toEqual(expect.arrayContaining(["8BITMIME", "SMTPUTF8", "SIZE 10485760"]));
    expect(keywords.some((keyword) => /STARTTLS|AUTH/.test(keyword))).toBe(false);
    expect(codes(await client.send("HELO client.example\r\n"))).toEqual(["250"]);
    expect(codes(await client.send("QUIT\r\n"))).toEqual(["221"]);
    await client.untilClosed();
  });

  test("receives a message, unstuffs leading dots and keeps CRLF line ends", async () => {
    const client = await RawClient.connect(sink.port);
    await client.reply();
    await client.send("EHLO c\r\n");
    expect(codes(await client.send("MAIL FROM:<Sender@Example.org> BODY=8BITMIME SIZE=200\r\n"))).toEqual(["250"]);
    expect(codes(await client.send("RCPT TO:<dots@example.org>\r\n"))).toEqual(["250"]);
    expect(codes(await client.send("rcpt to: <second@example.org>\r\n"))).toEqual(["250"]);
    expect(codes(await client.send("DATA\r\n"))).toEqual(["354"]);
    const [queued] = await client.send("Subject: dots\r\n\r\n..leading dot\r\n..\r\n... three\r\nend\r\n.\r\n");
    expect(queued).toMatch(/^250 /);
    const mail = await sink.waitFor("DOTS@example.org");
    expect(mail.from).toBe("Sender@Example.org");
    expect(mail.to).toEqual(["dots@example.org", "second@example.org"]);
    expect(mail.raw).toBe("Subject: dots\r\n\r\n.leading dot\r\n.\r\n.. three\r\nend\r\n");
    expect(mail.text).toBe(".leading dot\n.\n.. three\nend\n");
    expect(mail.subject).toBe("dots");
    client.socket.destroy();
  });

  test("handles a session arriving one byte per segment", async () => {
    const client = await RawClient.connect(sink.port);
    await client.reply();
    const session = "EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<split@example.org>\r\nDATA\r\nSubject: split\r\n\r\nbody\r\n.\r\nQUIT\r\n";
    for (const byte of Buffer.from(session)) await client.write(Buffer.from([byte]));
    expect(codes(await client.replies(6))).toEqual(["250", "250", "250", "354", "250", "221"]);
    expect((await sink.waitFor("split@example.org")).text).toBe("body\n");
  });

  test("answers a pipelined session sent in one write, in order, with two messages", async () => {
    const client = await RawClient.connect(sink.port);
    await client.reply();
    const message = (n: number) => `MAIL FROM:<a@example.org>\r\nRCPT TO:<pipe@example.org>\r\nDATA\r\nSubject: pipe ${n}\r\n\r\nmessage ${n}\r\n.\r\n`;
    const replies = await client.send(`EHLO c\r\n${message(1)}NOOP\r\nRSET\r\n${message(2)}VRFY someone\r\nQUIT\r\n`, 13);
    expect(codes(replies)).toEqual(["250", "250", "250", "354", "250", "250", "250", "250", "250", "354", "250", "252", "221"]);
    const second = await sink.waitFor("pipe@example.org", { filter: (mail) => mail.subject === "pipe 2" });
    expect(second.text).toBe("message 2\n");
    expect(sink.messages.filter((mail) => mail.to.includes("pipe@example.org")).map((mail) => mail.subject)).toEqual(["pipe 1", "pipe 2"]);
  });

  test("accepts bare LF line ends and stores them as CRLF", async () => {
    const client = await RawClient.connect(sink.port);
    await client.reply();
    const replies = await client.send("HELO c\nMAIL FROM:<>\nRCPT TO:<lf@example.org>\nDATA\nSubject: lf\n\nline\n.\n", 5);
    expect(codes(replies)).toEqual(["250", "250", "250", "354", "250"]);
    const mail = await sink.waitFor("lf@example.org");
    expect(mail.from).toBe("");
    expect(mail.raw).toBe("Subject: lf\r\n\r\nline\r\n");
  });

  test("refuses commands out of order and garbage, and the connection keeps working", async () => {
    const client = await RawClient.connect(sink.port);
    await client.reply();
    expect(codes(await client.send("RCPT TO:<x@example.org>\r\n"))).toEqual(["503"]);
    expect(codes(await client.send("MAIL FROM:<a@example.org>\r\n"))).toEqual(["250"]);
    expect(codes(await client.send("DATA\r\n"))).toEqual(["503"]);
    expect(codes(await client.send("MAIL FROM:<a@example.org>\r\n"))).toEqual(["503"]);
    expect(codes(await client.send("RCPT TO:<>\r\n"))).toEqual(["501"]);
    expect(codes(await client.send("FROBNICATE\r\n"))).toEqual(["500"]);
    expect(codes(await client.send("\r\n"))).toEqual(["500"]);
    await client.write(Buffer.from([0xff, 0x00, 0xfe, 0x0d, 0x0a]));
    expect(codes(await client.replies(1))).toEqual(["500"]);
    expect(codes(await client.send("STARTTLS\r\n"))).toEqual(["502"]);
    expect(codes(await client.send("EHLO\r\n"))).toEqual(["501"]);
    expect(codes(await client.send("RSET\r\n"))).toEqual(["250"]);
    expect(codes(await client.send("MAIL FROM:<a@example.org> SIZE=20000000\r\n"))).toEqual(["552"]);
    expect(codes(await client.send("NOOP\r\n"))).toEqual(["250"]);
    client.socket.destroy();
  });

  test("rejects an overlong command line with 500 and carries on", async () => {
    const client = await RawClient.connect(sink.port);
    await client.reply();
    const long = `NOOP ${"x".repeat(20_000)}\r\n`;
    for (let at = 0; at < long.length; at += 4_096) await client.write(long.slice(at, at + 4_096));
    expect(await client.reply()).toMatch(/^500 .*too long/i);
    expect(codes(await client.send("NOOP\r\n"))).toEqual(["250"]);
    client.socket.destroy();
  });

  test("refuses a message over 10 MiB with 552 and takes the next one", async () => {
    const client = await RawClient.connect(sink.port);
    await client.reply();
    await client.send("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<big@example.org>\r\nDATA\r\n", 4);
    const line = `${"y".repeat(998)}\r\n`;
    const block = line.repeat(1024); // 1 MiB
    for (let i = 0; i < 11; i++) await client.write(block);
    expect(await client.send(".\r\n")).toEqual([expect.stringMatching(/^552 /)]);
    const replies = await client.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<big@example.org>\r\nDATA\r\nSubject: small\r\n\r\nok\r\n.\r\n", 4);
    expect(codes(replies)).toEqual(["250", "250", "354", "250"]);
    expect(sink.messages.filter((mail) => mail.to.includes("big@example.org")).map((mail) => mail.subject)).toEqual(["small"]);
    client.socket.destroy();
  });

  test("survives a client that disconnects in the middle of DATA", async () => {
    const client = await RawClient.connect(sink.port);
    await client.reply();
    await client.send("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<gone@example.org>\r\nDATA\r\n", 4);
    await client.write("Subject: half\r\n\r\npart of a");
    client.socket.resetAndDestroy();
    const next = await RawClient.connect(sink.port);
    expect(await next.reply()).toMatch(/^220 /);
    expect(codes(await next.send("QUIT\r\n"))).toEqual(["221"]);
    expect(sink.messages.some((mail) => mail.to.includes("gone@example.org"))).toBe(false);
  });

  test("stays up under random bytes and random command fragments", async () => {
    const fragment = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.constantFrom("EHLO x\r\n", "MAIL FROM:<a@b>\r\n", "RCPT TO:<fuzz@example.org>\r\n", "DATA\r\n", ".\r\n", "\r\n", "\n", "\r", "..\r\n", "RSET\r\n").map((text) => Buffer.from(text)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fragment, { maxLength: 30 }), async (fragments) => {
        const client = await RawClient.connect(sink.port);
        for (const piece of fragments) await client.write(piece);
        client.socket.destroy();
      }),
      { numRuns: 40 },
    );
    const after = await RawClient.connect(sink.port);
    expect(await after.reply()).toMatch(/^220 /);
    expect(codes(await after.send("NOOP\r\n"))).toEqual(["250"]);
    after.socket.destroy();
  });

  test("receives mail from Python's smtplib: multipart/alternative utf-8 parts, encoded subject, &amp; in the HTML link", async () => {
    const script = [
      "import smtplib, sys",
      "from email.mime.multipart import MIMEMultipart",
      "from email.mime.text import MIMEText",
      'msg = MIMEMultipart("alternative")',
      'msg["Subject"] = "Vérifiez votre adresse — ✓"',
      'msg["From"] = "Gauntlet <noreply@example.org>"',
      'msg["To"] = "Alice@Example.org"',
      'msg.attach(MIMEText("Héllo,\\nconfirm: https://hs.example/_synapse/client/email/validate?token=t0k&client_secret=s3c&sid=1\\n.dot line\\n", "plain", "utf8"))',
      'msg.attach(MIMEText(\'<p>Héllo</p><a href="https://hs.example/_synapse/client/email/validate?token=t0k&amp;client_secret=s3c&amp;sid=1">Verify</a>\', "html", "utf8"))',
      'with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as smtp:',
      '    smtp.sendmail("noreply@example.org", ["alice@example.org"], msg.as_string().encode("utf8"))',
    ].join("\n");
    await promisify(execFile)("python3", ["-c", script, String(sink.port)], { timeout: 20_000 });
    const mail = await sink.waitFor("ALICE@example.org", { timeoutMs: 5_000 });
    expect(mail.from).toBe("noreply@example.org");
    expect(mail.headers["content-type"]).toMatch(/^multipart\/alternative; boundary=/);
    expect(mail.headers.subject).toMatch(/^=\?utf-8\?[bq]\?/);
    expect(mail.subject).toBe("Vérifiez votre adresse — ✓");
    expect(mail.text).toBe("Héllo,\nconfirm: https://hs.example/_synapse/client/email/validate?token=t0k&client_secret=s3c&sid=1\n.dot line\n");
    expect(mail.html).toContain("<p>Héllo</p>");
    expect(mail.links).toEqual(["https://hs.example/_synapse/client/email/validate?token=t0k&client_secret=s3c&sid=1"]);
  });
});

describe("SMTP sink waitFor", () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await SmtpSink.listen({ port: 0 });
  });
  afterAll(async () => {
    await sink?.close();
  });

  async function send(to: string, subject: string): Promise<void> {
    const client = await RawClient.connect(sink.port);
    await client.reply();
    await client.send(`HELO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<${to}>\r\nDATA\r\nSubject: ${subject}\r\n\r\nhi\r\n.\r\nQUIT\r\n`, 6);
  }

  test("resolves with a message that arrives after the call, matching the filter", async () => {
    const waiting = sink.waitFor("Later@Example.org", { filter: (mail) => mail.subject === "wanted" });
    await send("later@example.org", "unwanted");
    await send("later@example.org", "wanted");
    expect((await waiting).subject).toBe("wanted");
  });

  test("resolves at once with a message already received", async () => {
    await send("earlier@example.org", "already here");
    expect((await sink.waitFor("earlier@example.org", { timeoutMs: 1 })).subject).toBe("already here");
  });

  test("rejects after the timeout, naming the recipients and subjects that did arrive", async () => {
    await expect(sink.waitFor("nobody@example.org", { timeoutMs: 50 })).rejects.toThrow(/no mail to nobody@example.org .*within 50 ms.*to later@example.org: "wanted"/);
  });

  test("rejects when the filter throws", async () => {
    const failing = sink.waitFor("earlier@example.org", {
      filter: () => {
        throw new Error("filter broke");
      },
    });
    await expect(failing).rejects.toThrow("filter broke");
  });

  test("rejects pending waits when the sink closes", async () => {
    const other = await SmtpSink.listen({ port: 0 });
    const pending = other.waitFor("never@example.org");
    await other.close();
    await expect(pending).rejects.toThrow(/closed while waiting/);
  });
});

describe("SMTP sink connection limits", () => {
  test("closes an idle connection with 421", async () => {
    const sink = await SmtpSink.listen({ port: 0, idleTimeoutMs: 200 });
    try {
      const client = await RawClient.connect(sink.port);
      expect(await client.reply()).toMatch(/^220 /);
      expect(await client.reply()).toMatch(/^421 /);
      await client.untilClosed();
    } finally {
      await sink.close();
    }
  });

  test("refuses connections beyond the limit with 421", async () => {
    const sink = await SmtpSink.listen({ port: 0, maxConnections: 2 });
    try {
      const first = await RawClient.connect(sink.port);
      const second = await RawClient.connect(sink.port);
      expect(await first.reply()).toMatch(/^220 /);
      expect(await second.reply()).toMatch(/^220 /);
      const third = await RawClient.connect(sink.port);
      expect(await third.reply()).toMatch(/^421 /);
      await third.untilClosed();
      first.socket.destroy();
      await first.untilClosed();
      // The freed slot is taken again once the server has seen the close.
      let fourth = await RawClient.connect(sink.port);
      while ((await fourth.reply()).startsWith("421")) fourth = await RawClient.connect(sink.port);
      expect(codes(await fourth.send("QUIT\r\n"))).toEqual(["221"]);
      second.socket.destroy();
    } finally {
      await sink.close();
    }
  });
});

describe("SMTP sink listen", () => {
  test("port 0 picks a free port and close frees it", async () => {
    const sink = await SmtpSink.listen({ port: 0 });
    expect(sink.port).toBeGreaterThan(0);
    await sink.close();
    const again = await SmtpSink.listen({ port: sink.port, busyWaitMs: 0 });
    await again.close();
  });

  test("refuses to bind anything but loopback", async () => {
    await expect(SmtpSink.listen({ port: 0, host: "0.0.0.0" })).rejects.toThrow(/loopback/);
    await expect(SmtpSink.listen({ port: 0, host: "localhost" })).rejects.toThrow(/loopback/);
    await expect(SmtpSink.listen({ port: 70_000 })).rejects.toThrow(/0-65535/);
  });

  test("gives up with a clear message when the port stays busy", async () => {
    const blocker = await listenBlocker();
    const port = (blocker.address() as { port: number }).port;
    try {
      const started = Date.now();
      await expect(SmtpSink.listen({ port, busyWaitMs: 1_000 })).rejects.toThrow(new RegExp(`${port} is still in use after waiting 1000 ms\\. Another test file may hold the sink`));
      expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    } finally {
      await closeServer(blocker);
    }
  });

  test("binds once the holder of the port lets go", async () => {
    const blocker = await listenBlocker();
    const port = (blocker.address() as { port: number }).port;
    const release = setTimeout(() => void closeServer(blocker), 300);
    try {
      const sink = await SmtpSink.listen({ port, busyWaitMs: 5_000 });
      expect(sink.port).toBe(port);
      await sink.close();
    } finally {
      clearTimeout(release);
      if (blocker.listening) await closeServer(blocker);
    }
  });
});
