import { isIP } from "node:net";

export interface ServerName {
  /** Hostname without brackets: a DNS name, IPv4 or IPv6 literal. */
  host: string;
  port?: number;
  isIpLiteral: boolean;
  /** As written, for Host headers: `[::1]:8448`, `example.org`. */
  text: string;
}

/** Parses `host[:port]` by the appendices' server name grammar; throws with the reason when invalid. */
export function parseServerName(text: string): ServerName {
  const bracketed = /^\[([0-9A-Fa-f:.]{2,45})\](?::(\d{1,5}))?$/.exec(text);
  let host: string;
  let portText: string | undefined;
  if (bracketed?.[1]) {
    host = bracketed[1];
    portText = bracketed[2];
    if (isIP(host) !== 6) throw new Error(`"${text}" is not a server name: [${host}] is not an IPv6 address`);
  } else {
    const match = /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(text);
    if (!match?.[1]) throw new Error(`"${text}" is not a server name (expected host or host:port, IPv6 in brackets)`);
    host = match[1];
    portText = match[2];
    if (isIP(host) !== 4 && !/^[A-Za-z0-9.-]{1,255}$/.test(host)) {
      throw new Error(`"${text}" is not a server name: a DNS name may hold only letters, digits, "-" and "."`);
    }
  }
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`"${text}" is not a server name: port ${port} is out of range`);
  return { host, ...(port !== undefined ? { port } : {}), isIpLiteral: isIP(host) !== 0, text };
}

/** `host` or `[v6]` with `:port` when given, as URLs and Host headers want it. */
export function hostForUrl(host: string, port?: number): string {
  const h = host.includes(":") ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}
