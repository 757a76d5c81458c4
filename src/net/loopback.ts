import { isIPv4, isIPv6 } from "node:net";

/** An IP literal on this machine's loopback (127.0.0.0/8, ::1, IPv4-mapped 127.x): the only traffic the harness sends or takes. */
export function isLoopbackAddress(host: string): boolean {
  if (isIPv4(host)) return host.startsWith("127.");
  if (isIPv6(host)) return host === "::1" || /^::ffff:127\./i.test(host) || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(host);
  return false;
}
