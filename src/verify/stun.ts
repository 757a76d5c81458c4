import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import type { ConnectTarget } from "./resolver.ts";

/** RFC 5389 section 6: every STUN message carries this value after type and length. */
const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const HEADER_BYTES = 20;

export type StunTransport = "udp" | "tcp";

/** A TURN server's answer to a binding request: which address it saw us coming from. */
export interface StunAnswer {
  transport: StunTransport;
  target: ConnectTarget;
  /** XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS) as `addr:port`, when the answer held one. */
  mappedAddress?: string;
  elapsedMs: number;
}

export function bindingRequest(transactionId: Buffer): Buffer {
  const message = Buffer.alloc(HEADER_BYTES);
  message.writeUInt16BE(BINDING_REQUEST, 0);
  message.writeUInt16BE(0, 2);
  message.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(message, 8);
  return message;
}

/** The mapped address of a binding success answer for `transactionId`; undefined when the message is something else. */
export function parseBindingSuccess(message: Buffer, transactionId: Buffer): { mappedAddress?: string } | undefined {
  if (message.length < HEADER_BYTES || message.readUInt16BE(0) !== BINDING_SUCCESS || message.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  if (!message.subarray(8, 20).equals(transactionId)) return undefined;
  const end = Math.min(message.length, HEADER_BYTES + message.readUInt16BE(2));
  let mapped: string | undefined;
  for (let offset = HEADER_BYTES; offset + 4 <= end; ) {
    const type = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 2);
    const value = message.subarray(offset + 4, offset + 4 + length);
    // XOR-MAPPED-ADDRESS (0x0020) wins over the older MAPPED-ADDRESS (0x0001); IPv4 only is enough for evidence.
    if ((type === 0x0020 || (type === 0x0001 && !mapped)) && value.length >= 8 && value[1] === 0x01) {
      const xor = type === 0x0020;
      const port = value.readUInt16BE(2) ^ (xor ? MAGIC_COOKIE >>> 16 : 0);
      const address = (value.readUInt32BE(4) ^ (xor ? MAGIC_COOKIE : 0)) >>> 0;
      mapped = `${[24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join(".")}:${port}`;
    }
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return mapped ? { mappedAddress: mapped } : {};
}

/** One STUN binding request over UDP (retransmitted at 0.5 s and 1.5 s, RFC 5389 section 7.2.1) or TCP, within `timeoutMs`. */
export function stunBinding(target: ConnectTarget, transport: StunTransport, timeoutMs: number): Promise<StunAnswer> {
  const transactionId = randomBytes(12);
  const request = bindingRequest(transactionId);
  const started = performance.now();
  const where = `${target.address.includes(":") ? `[${target.address}]` : target.address}:${target.port}`;
  return new Promise((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    let close = () => {};
    let done = false;
    const finish = (outcome: Error | { mappedAddress?: string }) => {
      if (done) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      close();
      if (outcome instanceof Error) reject(outcome);
      else resolve({ transport, target, ...outcome, elapsedMs: performance.now() - started });
    };
    timers.push(setTimeout(() => finish(new Error(`no STUN answer over ${transport.toUpperCase()} from ${where} within ${timeoutMs} ms`)), timeoutMs));
    if (transport === "udp") {
      const socket = createSocket(target.address.includes(":") ? "udp6" : "udp4");
      close = () => socket.close();
      socket.on("error", (error) => finish(new Error(`${where} (UDP): ${error.message}`)));
      socket.on("message", (message) => {
        const answer = parseBindingSuccess(message, transactionId);
        if (answer) finish(answer);
      });
      const send = () => socket.send(request, target.port, target.address);
      send();
      for (const at of [500, 1500]) if (at < timeoutMs) timers.push(setTimeout(send, at));
      return;
    }
    const socket = connect({ host: target.address, port: target.port });
    close = () => socket.destroy();
    let received = Buffer.alloc(0);
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < HEADER_BYTES) return;
      const total = HEADER_BYTES + received.readUInt16BE(2);
      if (received.length < total) return;
      finish(parseBindingSuccess(received.subarray(0, total), transactionId) ?? new Error(`${where} (TCP) answered with something other than a binding success`));
    });
    socket.on("error", (error: NodeJS.ErrnoException) => finish(new Error(error.code === "ECONNREFUSED" ? `connection refused by ${where} (TCP)` : `${where} (TCP): ${error.message}`)));
    socket.on("close", () => finish(new Error(`${where} (TCP) closed the connection without answering`)));
  });
}

export interface TurnUri {
  text: string;
  secure: boolean;
  host: string;
  port: number;
  /** Absent: the URI leaves the transport to the client. */
  transport?: StunTransport;
}

/** Parses `turn:` and `turns:` URIs (RFC 7065); undefined for anything else. */
export function parseTurnUri(text: string): TurnUri | undefined {
  const match = /^(turns?):(\[[0-9a-fA-F:.]+\]|[^:?\s[\]]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/i.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  const secure = match[1].toLowerCase() === "turns";
  const port = match[3] ? Number(match[3]) : secure ? 5349 : 3478;
  if (port < 1 || port > 65535) return undefined;
  const transport = match[4]?.toLowerCase() as StunTransport | undefined;
  return { text, secure, host: match[2].replace(/^\[|\]$/g, ""), port, ...(transport ? { transport } : {}) };
}
