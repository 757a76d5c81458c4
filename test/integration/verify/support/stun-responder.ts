import { createSocket } from "node:dgram";
import { createServer, type Socket } from "node:net";

/** A STUN responder on 127.0.0.1, UDP and TCP on one port: answers RFC 5389 binding requests, nothing else. */
export interface StunResponder {
  port: number;
  /** Binding requests answered, as `udp` or `tcp`, so a test can see both transports were asked. */
  answered: ("udp" | "tcp")[];
  stop(): Promise<void>;
}

const MAGIC_COOKIE = 0x2112a442;

/** A binding success carrying XOR-MAPPED-ADDRESS for the peer (IPv4), or undefined when `request` is no binding request. */
function bindingSuccess(request: Buffer, peerAddress: string, peerPort: number): Buffer | undefined {
  if (request.length < 20 || request.readUInt16BE(0) !== 0x0001 || request.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  const answer = Buffer.alloc(32);
  answer.writeUInt16BE(0x0101, 0);
  answer.writeUInt16BE(12, 2);
  answer.writeUInt32BE(MAGIC_COOKIE, 4);
  request.copy(answer, 8, 8, 20);
  answer.writeUInt16BE(0x0020, 20);
  answer.writeUInt16BE(8, 22);
  answer.writeUInt8(0, 24);
  answer.writeUInt8(0x01, 25);
  answer.writeUInt16BE(peerPort ^ (MAGIC_COOKIE >>> 16), 26);
  const address = peerAddress.replace(/^::ffff:/, "").split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
  answer.writeUInt32BE((address ^ MAGIC_COOKIE) >>> 0, 28);
  return answer;
}

/** Starts on `port` (or a free one) for both transports. */
export async function startStunResponder(port = 0): Promise<StunResponder> {
  const answered: ("udp" | "tcp")[] = [];
  const connections = new Set<Socket>();
  const tcp = createServer((socket) => {
    connections.add(socket);
    socket.on("close", () => connections.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.once("data", (chunk: Buffer) => {
      const answer = bindingSuccess(chunk, socket.remoteAddress ?? "0.0.0.0", socket.remotePort ?? 0);
      if (!answer) return socket.destroy();
      answered.push("tcp");
      socket.write(answer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, "127.0.0.1", () => resolve());
  });
  const bound = (tcp.address() as { port: number }).port;
  const udp = createSocket("udp4");
  udp.on("message", (message, peer) => {
    const answer = bindingSuccess(message, peer.address, peer.port);
    if (!answer) return;
    answered.push("udp");
    udp.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(bound, "127.0.0.1", () => resolve());
  });
  return {
    port: bound,
    answered,
    stop: async () => {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
