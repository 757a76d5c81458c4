import { createSocket, type Socket } from "node:dgram";
import dnsPacket from "dns-packet";

export interface DnsRecords {
  a?: Record<string, string[]>;
  srv?: Record<string, { target: string; port: number; priority?: number; weight?: number }[]>;
}

/** An authoritative-only DNS server on 127.0.0.1 that knows the given names and answers NXDOMAIN for the rest. */
export interface LocalDnsServer {
  address: string;
  port: number;
  /** Every question asked, as `TYPE name`, so a test can prove nothing else was looked up. */
  questions: string[];
  stop(): Promise<void>;
}

export async function startDnsServer(records: DnsRecords): Promise<LocalDnsServer> {
  const socket: Socket = createSocket("udp4");
  const questions: string[] = [];
  const known = (name: string) => Boolean(records.a?.[name] || records.srv?.[name]);
  socket.on("message", (message, peer) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const answers: dnsPacket.Answer[] = [];
    for (const question of query.questions ?? []) {
      const name = question.name.toLowerCase();
      questions.push(`${question.type} ${name}`);
      if (question.type === "A") for (const address of records.a?.[name] ?? []) answers.push({ type: "A", name: question.name, ttl: 60, data: address });
      if (question.type === "SRV") {
        for (const srv of records.srv?.[name] ?? []) {
          answers.push({ type: "SRV", name: question.name, ttl: 60, data: { target: srv.target, port: srv.port, priority: srv.priority ?? 10, weight: srv.weight ?? 5 } });
        }
      }
    }
    const nameKnown = (query.questions ?? []).every((q) => known(q.name.toLowerCase()));
    const response = dnsPacket.encode({
      type: "response",
      id: query.id ?? 0,
      // Authoritative answer; NXDOMAIN (rcode 3) for names this server has never heard of.
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (nameKnown ? 0 : 3),
      questions: query.questions ?? [],
      answers,
    });
    socket.send(response, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => resolve());
  });
  const { port } = socket.address();
  return {
    address: "127.0.0.1",
    port,
    questions,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
