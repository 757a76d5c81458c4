import { createSocket } from "node:dgram";
import { randomInt } from "node:crypto";
import dnsPacket from "dns-packet";

export interface SrvTarget {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export interface DnsServer {
  address: string;
  port: number;
}

export class DnsError extends Error {
  readonly code: "NXDOMAIN" | "TIMEOUT" | "SERVFAIL" | "OTHER";
  constructor(message: string, code: DnsError["code"]) {
    super(message);
    this.name = "DnsError";
    this.code = code;
  }
}

type Answer = dnsPacket.Answer;

/** One UDP query to one DNS server, retried a bounded number of times on timeout. */
export async function queryDns(server: DnsServer, name: string, type: "A" | "AAAA" | "SRV", timeoutMs = 2000, attempts = 2): Promise<Answer[]> {
  let lastError: Error = new DnsError(`no answer from ${server.address}:${server.port}`, "TIMEOUT");
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await queryOnce(server, name, type, timeoutMs);
    } catch (error) {
      lastError = error as Error;
      if (!(error instanceof DnsError) || error.code !== "TIMEOUT") throw error;
    }
  }
  throw lastError;
}

function queryOnce(server: DnsServer, name: string, type: "A" | "AAAA" | "SRV", timeoutMs: number): Promise<Answer[]> {
  const id = randomInt(1, 65535);
  const query = dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: "IN" }] });
  const socket = createSocket(server.address.includes(":") ? "udp6" : "udp4");
  return new Promise<Answer[]>((resolve, reject) => {
    const timer = setTimeout(() => finish(new DnsError(`${type} ${name}: no answer from ${server.address}:${server.port} within ${timeoutMs} ms`, "TIMEOUT")), timeoutMs);
    const finish = (outcome: Error | Answer[]) => {
      clearTimeout(timer);
      socket.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.on("error", (error) => finish(new DnsError(`${type} ${name}: ${error.message}`, "OTHER")));
    socket.on("message", (message) => {
      let packet: dnsPacket.Packet;
      try {
        packet = dnsPacket.decode(message);
      } catch {
        return; // not a DNS answer; keep waiting until the timeout
      }
      if (packet.id !== id) return;
      const rcode = (packet as { rcode?: string }).rcode ?? "NOERROR";
      if (rcode === "NXDOMAIN") return finish(new DnsError(`${type} ${name}: no such name (NXDOMAIN)`, "NXDOMAIN"));
      if (rcode !== "NOERROR") return finish(new DnsError(`${type} ${name}: server answered ${rcode}`, rcode === "SERVFAIL" ? "SERVFAIL" : "OTHER"));
      finish((packet.answers ?? []).filter((answer) => answer.type === type && answer.name.toLowerCase() === name.toLowerCase()));
    });
    socket.send(query, server.port, server.address);
  });
}

/** Parses `ADDR:PORT` or `[V6]:PORT`. */
export function parseDnsServer(text: string): DnsServer {
  const match = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text) ?? /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(text);
  if (!match?.[1] || !match[2]) throw new Error(`--dns expects ADDR:PORT (e.g. 127.0.0.1:5353 or [::1]:5353), got "${text}"`);
  const port = Number(match[2]);
  if (port < 1 || port > 65535) throw new Error(`--dns port must be 1-65535, got ${port}`);
  return { address: match[1], port };
}
