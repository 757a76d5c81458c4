import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decodeEncodedWords, decodeQuotedPrintable, extractLinks, parseHeaderParameters, parseMail } from "../../../src/mail/mime.ts";

const crlf = (lines: string[]) => lines.join("\r\n");

// What Python's email package (Synapse's mailer) writes: MIMEMultipart("alternative") with utf-8 MIMEText parts, base64.
const PYTHON_ALTERNATIVE = crlf([
  'Content-Type: multipart/alternative; boundary="===============8102318103904155258=="',
  "MIME-Version: 1.0",
  "Subject: =?utf-8?b?VsOpcmlmaWV6IHZvdHJlIGFkcmVzc2Ugw6lsZWN0cm9uaXF1ZQ==?=",
  "From: Gauntlet <noreply@example.org>",
  "To: a@example.org",
  "",
  "--===============8102318103904155258==",
  'Content-Type: text/plain; charset="utf-8"',
  "MIME-Version: 1.0",
  "Content-Transfer-Encoding: base64",
  "",
  "SMOpbGxvIGh0dHBzOi8vZXhhbXBsZS5vcmcvdmFsaWRhdGU/dG9rZW49YWJjJnNpZD0xLgo=",
  "",
  "--===============8102318103904155258==",
  'Content-Type: text/html; charset="utf-8"',
  "MIME-Version: 1.0",
  "Content-Transfer-Encoding: base64",
  "",
  "PGEgaHJlZj0iaHR0cHM6Ly9leGFtcGxlLm9yZy92YWxpZGF0ZT90b2tlbj1hYmMmYW1wO3NpZD0x",
  "Ij54PC9hPiA8aW1nIHNyYz0iaHR0cHM6Ly9leC5vcmcvaS5wbmciPg==",
  "",
  "--===============8102318103904155258==--",
  "",
]);

describe("parseMail", () => {
  test("decodes a Python multipart/alternative message with base64 utf-8 parts", () => {
    const mail = parseMail(PYTHON_ALTERNATIVE);
    expect(mail.subject).toBe("Vérifiez votre adresse électronique");
    expect(mail.text).toBe("Héllo https://example.org/validate?token=abc&sid=1.\n");
    expect(mail.html).toBe('<a href="https://example.org/validate?token=abc&amp;sid=1">x</a> <img src="https://ex.org/i.png">');
    expect(mail.links).toEqual(["https://example.org/validate?token=abc&sid=1", "https://ex.org/i.png"]);
    expect(mail.headers.to).toBe("a@example.org");
  });

  test("finds text and html inside multipart/alternative nested in multipart/mixed, skipping attachments", () => {
    const message = crlf([
      "Subject: nested",
      'Content-Type: multipart/mixed; boundary="outer"',
      "",
      "preamble is ignored",
      "--outer",
      'Content-Type: multipart/alternative; boundary="inner"',
      "",
      "--inner",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      "Caf=C3=A9 =E2=80=94 a soft=",
      " break and trailing space   ",
      "--inner",
      "Content-Type: text/html; charset=utf-8",
      "Content-Transfer-Encoding: 8bit",
      "",
      "<p>Café</p>",
      "--inner--",
      "--outer",
      "Content-Type: text/plain",
      'Content-Disposition: attachment; filename="notes.txt"',
      "",
      "not the body",
      "--outer--",
      "epilogue is ignored",
    ]);
    const mail = parseMail(message);
    expect(mail.text).toBe("Café — a soft break and trailing space");
    expect(mail.html).toBe("<p>Café</p>");
  });

  test("reads a message with no Content-Type as text/plain and keeps 8-bit utf-8 bytes", () => {
    const mail = parseMail(Buffer.from("Subject: plain\r\n\r\nline one ✓\r\nline two\r\n", "utf8"));
    expect(mail.text).toBe("line one ✓\nline two\n");
    expect(mail.html).toBe("");
  });

  test("decodes a declared latin1 charset from 8-bit bytes and falls back to latin1 for an unknown one", () => {
    const body = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in ISO-8859-1
    const latin1 = Buffer.concat([Buffer.from("Content-Type: text/plain; charset=iso-8859-1\r\n\r\n"), body]);
    const unknown = Buffer.concat([Buffer.from("Content-Type: text/plain; charset=x-made-up\r\n\r\n"), body]);
    expect(parseMail(latin1).text).toBe("café");
    expect(parseMail(unknown).text).toBe("café");
  });

  test("unfolds headers, lower-cases their names and lets the last one win", () => {
    const mail = parseMail(crlf(["X-Thing: first", "x-thing: second", "Subject: a folded", "\tsubject", "", "body"]));
    expect(mail.headers["x-thing"]).toBe("second");
    expect(mail.headers.subject).toBe("a folded\tsubject");
    expect(mail.subject).toBe("a folded\tsubject");
  });

  test("keeps parts of a multipart whose closing delimiter never came", () => {
    const mail = parseMail(crlf(['Content-Type: multipart/alternative; boundary="b"', "", "--b", "Content-Type: text/html", "", "<b>cut off</b>"]));
    expect(mail.html).toBe("<b>cut off</b>");
  });

  test("never throws on arbitrary bytes or damaged messages, and what links it finds are distinct http(s) URLs without whitespace", () => {
    const linksAreUrls = (links: string[]) => {
      for (const link of links) expect(link).toMatch(/^https?:\/\/\S+$/);
      expect(new Set(links).size).toBe(links.length);
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        linksAreUrls(parseMail(Buffer.from(bytes)).links);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: PYTHON_ALTERNATIVE.length }), fc.string({ maxLength: 40 }), (at, junk) => {
        linksAreUrls(parseMail(PYTHON_ALTERNATIVE.slice(0, at) + junk + PYTHON_ALTERNATIVE.slice(at)).links);
      }),
    );
  });

  test("junk after the closing delimiter leaves subject, text and links as they were", () => {
    const intact = parseMail(PYTHON_ALTERNATIVE);
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (junk) => {
        const mail = parseMail(PYTHON_ALTERNATIVE + junk);
        expect({ subject: mail.subject, text: mail.text, links: mail.links }).toEqual({ subject: intact.subject, text: intact.text, links: intact.links });
      }),
    );
  });

  test("stays linear on pathological input", () => {
    const spaces = " ".repeat(2_000_000);
    const started = performance.now();
    parseMail(`Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${spaces}x`);
    extractLinks(`https://example.org/${")".repeat(2_000_000)}`, "");
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("decodeEncodedWords", () => {
  test("decodes b and q words, dropping whitespace only between adjacent words", () => {
    expect(decodeEncodedWords("=?utf-8?b?w6l0w6k=?=")).toBe("été");
    expect(decodeEncodedWords("=?UTF-8?Q?caf=C3=A9_cr=C3=A8me?=")).toBe("café crème");
    expect(decodeEncodedWords("Re: =?utf-8?q?a?= =?utf-8?q?b?= and =?utf-8?q?c?=")).toBe("Re: ab and c");
    expect(decodeEncodedWords("=?iso-8859-1?q?caf=E9?=")).toBe("café");
  });

  test("joins a character split across two words", () => {
    // "é" is C3 A9; each word holds one byte.
    expect(decodeEncodedWords("=?utf-8?q?caf=C3?=\r\n =?utf-8?q?=A9?=")).toBe("café");
  });

  test("leaves text that is not an encoded word alone", () => {
    expect(decodeEncodedWords("plain =? not encoded ?=")).toBe("plain =? not encoded ?=");
  });
});

describe("decodeQuotedPrintable", () => {
  test("decodes =XX, soft breaks and keeps a stray =", () => {
    expect(decodeQuotedPrintable("a=3Db=\r\nc=\nd x=zz").toString("latin1")).toBe("a=bcd x=zz");
    expect(decodeQuotedPrintable("one \t\r\ntwo").toString("latin1")).toBe("one\r\ntwo");
  });
});

describe("parseHeaderParameters", () => {
  test("reads quoted, unquoted and RFC 2231 parameters", () => {
    const parsed = parseHeaderParameters(`Multipart/Alternative; boundary="a;b\\"c"; charset=UTF-8; title*0*=utf-8''caf%C3%A9; title*1=" au lait"`);
    expect(parsed).toEqual({ value: "multipart/alternative", params: { boundary: 'a;b"c', charset: "UTF-8", title: "café au lait" } });
  });
});

describe("extractLinks", () => {
  test("decodes entities, trims sentence punctuation, keeps balanced brackets and deduplicates in order", () => {
    const text = "Go to https://example.org/a?x=1&y=2. Or (https://example.org/b). See https://en.wikipedia.org/wiki/Foo_(bar), done.";
    const html = '<a href="https://example.org/a?x=1&amp;y=2">a</a> <a href="http://example.org/c?q=&#34;z&#x22;">c</a> &lt;https://example.org/d&gt;';
    expect(extractLinks(text, html)).toEqual([
      "https://example.org/a?x=1&y=2",
      "https://example.org/b",
      "https://en.wikipedia.org/wiki/Foo_(bar)",
      "http://example.org/c?q=",
      "https://example.org/d",
    ]);
  });
});
