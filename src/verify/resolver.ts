import { lookup as systemLookup, resolveSrv as systemResolveSrv } from "node:dns/promises";
import { isIP } from "node:net";
import { DeadlineReached, RunDeadline, withinMs } from "./deadline.ts";
import { DnsError, parseDnsServer, queryDns, type DnsServer, type SrvTarget } from "./dns-client.ts";

/** Where to open a TCP connection for a host and port. */
export interface ConnectTarget {
  address: string;
  port: number;
  /** How the address was found, for evidence: `--resolve`, `dns 127.0.0.1:5353`, `system resolver`, `IP literal`. */
  source: string;
}

interface ResolveOverride {
  host: string;
  port: number | "*";
  address: string;
  connectPort?: number;
}

/** Parses one curl-style `--resolve HOST:PORT:ADDR` entry; ADDR may carry its own `:PORT` to redirect the port too. */
export function parseResolveEntry(text: string): ResolveOverride {
  const match = /^([^:\s]+):(\d+|\*):(.+)$/.exec(text);
  if (!match?.[1] || !match[2] || !match[3]) throw new Error(`--resolve expects HOST:PORT:ADDR (e.g. example.org:443:127.0.0.1), got "${text}"`);
  const [, host, portText, rest] = match;
  let address = rest;
  let connectPort: number | undefined;
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(rest);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(rest);
  if (bracketed?.[1]) {
    address = bracketed[1];
    if (bracketed[2]) connectPort = Number(bracketed[2]);
  } else if (v4WithPort?.[1] && v4WithPort[2]) {
    address = v4WithPort[1];
    connectPort = Number(v4WithPort[2]);
  }
  if (!isIP(address)) throw new Error(`--resolve ${text}: "${address}" is not an IP address`);
  const port = portText === "*" ? "*" : Number(portText);
  for (const p of [port, connectPort]) {
    if (typeof p === "number" && (p < 1 || p > 65535)) throw new Error(`--resolve ${text}: port ${p} is out of range`);
  }
  return { host: host.toLowerCase(), port, address, ...(connectPort ? { connectPort } : {}) };
}

/**
 * Name resolution for the verifier. `--resolve` entries win; then the `--dns` server when one is
 * given (the system resolver is then never asked); otherwise the system resolver.
 */
export class Resolver {
  readonly #overrides: ResolveOverride[];
  readonly #dns: DnsServer | undefined;
  readonly #timeoutMs: number;
  readonly #deadline: RunDeadline;
  /** Addresses per host, so every request to the same host does not ask DNS again (one run is short). */
  readonly #addressCache = new Map<string, Promise<{ address: string; source: string }[]>>();
  queries = 0;

  constructor(options: { resolve: string[]; dns?: string; timeoutMs?: number; deadline?: RunDeadline }) {
    this.#deadline = options.deadline ?? new RunDeadline(Number.POSITIVE_INFINITY);
    this.#overrides = options.resolve.map(parseResolveEntry);
    this.#dns = options.dns ? parseDnsServer(options.dns) : undefined;
    // DNS answers on a working resolver take milliseconds; two tries of up to 2 s each bound a dead one.
    this.#timeoutMs = Math.min(options.timeoutMs ?? 2000, 2000);
  }

  /** Time one DNS try may take, cut to what is left of the run. */
  #tryMs(what: string): number {
    if (this.#deadline.expired) throw new DeadlineReached(this.#deadline, what);
    return this.#deadline.budget(this.#timeoutMs).ms;
  }

  get describeSource(): string {
    return this.#dns ? `DNS server ${this.#dns.address}:${this.#dns.port}` : "system resolver";
  }

  /** Addresses to connect to for host:port, IPv6 and IPv4 both, overrides first. */
  async connectTargets(host: string, port: number): Promise<ConnectTarget[]> {
    const bare = host.replace(/^\[|\]$/g, "");
    const override = this.#overrides.find((o) => o.host === bare.toLowerCase() && (o.port === "*" || o.port === port));
    if (override) return [{ address: override.address, port: override.connectPort ?? port, source: `--resolve ${override.host}:${override.port}` }];
    if (isIP(bare)) return [{ address: bare, port, source: "IP literal" }];
    const key = bare.toLowerCase();
    let addresses = this.#addressCache.get(key);
    if (!addresses) {
      addresses = this.#lookup(bare);
      this.#addressCache.set(key, addresses);
      addresses.catch(() => this.#addressCache.delete(key));
    }
    return (await addresses).map((a) => ({ ...a, port }));
  }

  async #lookup(host: string): Promise<{ address: string; source: string }[]> {
    if (this.#dns) {
      const found: { address: string; source: string }[] = [];
      let lastError: Error | undefined;
      for (const type of ["AAAA", "A"] as const) {
        try {
          this.queries++;
          const answers = await queryDns(this.#dns, host, type, this.#tryMs(`${type} lookup of ${host}`));
          for (const answer of answers) {
            const data = (answer as { data?: unknown }).data;
            if (typeof data === "string") found.push({ address: data, source: `${type} via ${this.describeSource}` });
          }
        } catch (error) {
          lastError = error as Error;
        }
      }
      if (found.length === 0) throw new Error(`no A or AAAA record for ${host} (${lastError ? lastError.message : "empty answer"})`);
      return found;
    }
    this.queries++;
    const ms = 2 * this.#tryMs(`lookup of ${host}`);
    const addresses = await withinMs(systemLookup(host, { all: true }), ms, `no address for ${host} from the system resolver within ${ms} ms`);
    return addresses.map((a) => ({ address: a.address, source: "system resolver" }));
  }

  /** SRV records for `name`, sorted by priority then weight; an empty list when the name has none. */
  async srv(name: string): Promise<SrvTarget[]> {
    let records: SrvTarget[];
    this.queries++;
    if (this.#dns) {
      try {
        const answers = await queryDns(this.#dns, name, "SRV", this.#tryMs(`SRV lookup of ${name}`));
        records = answers.flatMap((a) => {
          const data = (a as { data?: unknown }).data as { target?: string; port?: number; priority?: number; weight?: number } | undefined;
          return data?.target && data.port !== undefined ? [{ name: data.target.replace(/\.$/, ""), port: data.port, priority: data.priority ?? 0, weight: data.weight ?? 0 }] : [];
        });
      } catch (error) {
        if (error instanceof DnsError && error.code === "NXDOMAIN") return [];
        throw error;
      }
    } else {
      try {
        const ms = 2 * this.#tryMs(`SRV lookup of ${name}`);
        records = (await withinMs(systemResolveSrv(name), ms, `no SRV answer for ${name} from the system resolver within ${ms} ms`)).map((r) => ({ name: r.name.replace(/\.$/, ""), port: r.port, priority: r.priority, weight: r.weight }));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOTFOUND" || code === "ENODATA") return [];
        throw error;
      }
    }
    // A lone "." target means the service is decidedly not available (RFC 2782).
    return records.filter((r) => r.name !== "" && r.name !== ".").sort((a, b) => a.priority - b.priority || b.weight - a.weight);
  }
}
