import { describe, expect, test } from "vitest";
import { bindingRequest, parseBindingSuccess, parseTurnUri } from "../../../src/verify/stun.ts";

// RFC 5769 section 2.2: the transaction ID and XOR-MAPPED-ADDRESS (192.0.2.1:32853) of its IPv4 sample response.
const TRANSACTION = Buffer.from("b7e7a701bc34d686fa87dfae", "hex");
const SAMPLE_ATTRIBUTE = Buffer.from("0020000800 01a147e112a643".replace(/ /g, ""), "hex");

function response(type: number, transaction: Buffer, attributes: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(attributes.length, 2);
  header.writeUInt32BE(0x2112a442, 4);
  transaction.copy(header, 8);
  return Buffer.concat([header, attributes]);
}

describe("STUN binding (RFC 5389)", () => {
  test("a binding request is a 20-byte header: type 0x0001, length 0, the magic cookie, the transaction ID", () => {
    expect(bindingRequest(TRANSACTION).toString("hex")).toBe("000100002112a442b7e7a701bc34d686fa87dfae");
  });

  test("the sample success response of RFC 5769 maps to 192.0.2.1:32853", () => {
    expect(parseBindingSuccess(response(0x0101, TRANSACTION, SAMPLE_ATTRIBUTE), TRANSACTION)).toEqual({ mappedAddress: "192.0.2.1:32853" });
  });

  test("an answer for another transaction, or an error response, is not a binding success", () => {
    const other = Buffer.from(TRANSACTION).fill(0, 0, 1);
    expect(parseBindingSuccess(response(0x0101, TRANSACTION, SAMPLE_ATTRIBUTE), other)).toBeUndefined();
    expect(parseBindingSuccess(response(0x0111, TRANSACTION, SAMPLE_ATTRIBUTE), TRANSACTION)).toBeUndefined();
  });
});

describe("turn: URIs (RFC 7065)", () => {
  test.each([
    ["turn:turn.example.org", { secure: false, host: "turn.example.org", port: 3478 }],
    ["turn:turn.example.org:3479?transport=udp", { secure: false, host: "turn.example.org", port: 3479, transport: "udp" }],
    ["turns:turn.example.org?transport=tcp", { secure: true, host: "turn.example.org", port: 5349, transport: "tcp" }],
    ["turn:[2001:db8::1]:3478?transport=tcp", { secure: false, host: "2001:db8::1", port: 3478, transport: "tcp" }],
  ])("%s", (text, expected) => {
    expect(parseTurnUri(text)).toEqual({ text, ...expected });
  });

  test.each([["stun:turn.example.org"], ["turn:"], ["turn:host:99999"], ["turn:host?transport=sctp"]])("%s is not a TURN URI", (text) => {
    expect(parseTurnUri(text)).toBeUndefined();
  });
});
