import { describe, expect, test } from "vitest";
import { parseMultipart } from "../../../src/federation/multipart.ts";

const CRLF = "\r\n";

function body(...lines: (string | Buffer)[]): Buffer {
  return Buffer.concat(lines.map((line) => (typeof line === "string" ? Buffer.from(line) : line)));
}

describe("multipart bodies of federation media", () => {
  test("a JSON part and a binary part, as a media download answers", () => {
    const bytes = Buffer.from([0, 255, 13, 10, 45, 45, 1]);
    const parts = parseMultipart(
      'multipart/mixed; boundary="gauntlet b"',
      body("preamble", CRLF, "--gauntlet b", CRLF, "Content-Type: application/json", CRLF, CRLF, "{}", CRLF, "--gauntlet b", CRLF, "Content-Type: image/png", CRLF, "X-Extra:  padded ", CRLF, CRLF, bytes, CRLF, "--gauntlet b--", CRLF, "epilogue"),
    );
    expect(parts).toHaveLength(2);
    expect(parts[0]).toEqual({ headers: { "content-type": "application/json" }, body: Buffer.from("{}") });
    expect(parts[1]?.headers).toEqual({ "content-type": "image/png", "x-extra": "padded" });
    expect(parts[1]?.body.equals(bytes)).toBe(true);
  });

  test("a part without header fields keeps its body", () => {
    const parts = parseMultipart("multipart/mixed; boundary=b1", body("--b1", CRLF, CRLF, "plain body", CRLF, "--b1--"));
    expect(parts).toEqual([{ headers: {}, body: Buffer.from("plain body") }]);
  });

  test("a redirect part carries the Location header and no body", () => {
    const parts = parseMultipart("multipart/mixed; boundary=b1", body("--b1", CRLF, "Content-Type: application/json", CRLF, CRLF, "{}", CRLF, "--b1", CRLF, "Location: https://127.0.0.1/media", CRLF, CRLF, CRLF, "--b1--"));
    expect(parts[1]).toEqual({ headers: { location: "https://127.0.0.1/media" }, body: Buffer.alloc(0) });
  });

  test("no boundary, no delimiter or an unclosed part are errors that say so", () => {
    expect(() => parseMultipart("multipart/mixed", Buffer.from("x"))).toThrow(/without a boundary/);
    expect(() => parseMultipart("multipart/mixed; boundary=b1", Buffer.from("no parts here"))).toThrow(/no delimiter --b1/);
    expect(() => parseMultipart("multipart/mixed; boundary=b1", body("--b1", CRLF, "Content-Type: text/plain", CRLF, CRLF, "cut off"))).toThrow(/part 1 is not closed/);
  });
});
