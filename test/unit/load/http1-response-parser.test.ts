import { expect, test } from "vitest";
import { Http1ResponseParser, ResponseParseError } from "../../../src/load/k6-modules/http1-response-parser.ts";

/** Feeds `wire` in pieces of `size` bytes; the response once complete. */
function parseInPieces(wire: string, size: number, bodyless = false) {
  const parser = new Http1ResponseParser(bodyless);
  const bytes = Buffer.from(wire, "latin1");
  for (let at = 0; at < bytes.length; at += size) {
    const done = parser.feed(bytes.subarray(at, at + size));
    if (done) return { done, fedAll: at + size >= bytes.length };
  }
  return { done: parser.end(), fedAll: true };
}

const LENGTH = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nX-A: 1\r\nX-A: 2\r\n\r\n{\"ok\":true}";
const CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n";

test.each([1, 2, 7, 1000])("a Content-Length body read %i bytes at a time is whole, fields lower-cased and repeats joined", (size) => {
  const { done } = parseInPieces(LENGTH, size);
  expect(done?.status).toBe(200);
  expect(done?.body.toString()).toBe('{"ok":true}');
  expect(done?.headers["content-type"]).toBe("application/json");
  expect(done?.headers["x-a"]).toBe("1, 2");
  expect(done?.keepAlive).toBe(true);
});

test.each([1, 3, 9, 1000])("a chunked body read %i bytes at a time is the chunks joined, extensions and trailers dropped", (size) => {
  const { done } = parseInPieces(CHUNKED, size);
  expect(done?.body.toString()).toBe("hello world");
  expect(done?.keepAlive).toBe(true);
});

test("a 100 Continue before the answer is skipped", () => {
  const { done } = parseInPieces(`HTTP/1.1 100 Continue\r\n\r\n${LENGTH}`, 1000);
  expect(done?.status).toBe(200);
  expect(done?.body.toString()).toBe('{"ok":true}');
});

test("a body without length or chunking ends with the connection, which is then not reused", () => {
  const parser = new Http1ResponseParser();
  expect(parser.feed(Buffer.from("HTTP/1.0 200 OK\r\n\r\npart one, "))).toBeUndefined();
  expect(parser.feed(Buffer.from("part two"))).toBeUndefined();
  const done = parser.end();
  expect(done?.body.toString()).toBe("part one, part two");
  expect(done?.keepAlive).toBe(false);
});

test("204, 304 and the answer to HEAD have no body whatever Content-Length says", () => {
  expect(parseInPieces("HTTP/1.1 204 No Content\r\n\r\n", 1000).done?.body.length).toBe(0);
  expect(parseInPieces("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 1000).done?.body.length).toBe(0);
  const head = parseInPieces("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 1000, true).done;
  expect(head?.status).toBe(200);
  expect(head?.body.length).toBe(0);
});

test("Connection: close makes the connection not reusable", () => {
  const { done } = parseInPieces("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 1000);
  expect(done?.keepAlive).toBe(false);
});

test("a response cut off before its Content-Length is complete yields nothing at the close", () => {
  const parser = new Http1ResponseParser();
  expect(parser.feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))).toBeUndefined();
  expect(parser.end()).toBeUndefined();
});

test("a line that is no HTTP status line is a parse error naming it", () => {
  const parser = new Http1ResponseParser();
  expect(() => parser.feed(Buffer.from("SSH-2.0-OpenSSH\r\n\r\n"))).toThrow(ResponseParseError);
  expect(() => new Http1ResponseParser().feed(Buffer.from("SSH-2.0-OpenSSH\r\n\r\n"))).toThrow(/SSH-2\.0-OpenSSH/);
});
