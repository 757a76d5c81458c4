import { checkServerIdentity, connect, type PeerCertificate } from "node:tls";
import type { ConnectTarget } from "./resolver.ts";

export interface TlsProbe {
  target: ConnectTarget;
  servername: string;
  /** Chain valid for the CA list and the certificate names `servername`. */
  trusted: boolean;
  /** Why the chain or the name is not trusted, in OpenSSL's or Node's words. */
  problem?: string;
  protocol: string | null;
  subject?: string;
  subjectAltName?: string;
  validFrom?: Date;
  validTo?: Date;
  issuer?: string;
}

/** Counts handshakes so the summary can report them beside HTTP requests. */
export interface TlsStats {
  handshakes: number;
}

/** OpenSSL's verification codes that operators meet most, in words. */
const CHAIN_PROBLEMS: Record<string, string> = {
  CERT_HAS_EXPIRED: "certificate has expired",
  CERT_NOT_YET_VALID: "certificate is not yet valid",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in the chain",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "cannot verify the certificate: intermediate certificate missing or issuer unknown",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "issuer certificate unknown: intermediate certificate missing or CA not trusted",
};

/** One TLS handshake with `target`, presenting `servername` (no SNI for IP literals), reading the certificate. */
export function probeTls(target: ConnectTarget, servername: string, options: { caPem?: string; timeoutMs: number; stats: TlsStats }): Promise<TlsProbe> {
  options.stats.handshakes++;
  const isIpName = /^[\d.]+$|:/.test(servername);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: target.address,
      port: target.port,
      ...(isIpName ? {} : { servername }),
      ...(options.caPem ? { ca: options.caPem } : {}),
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
    });
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS handshake with ${target.address}:${target.port} within ${options.timeoutMs} ms`)), options.timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const cert: PeerCertificate = socket.getPeerCertificate();
      const code = socket.authorizationError ? String(socket.authorizationError) : undefined;
      const nameProblem = cert && Object.keys(cert).length > 0 ? checkServerIdentity(servername, cert)?.message : "no certificate presented";
      // Node reports a name mismatch only by its code; checkServerIdentity says which names were seen.
      const chainProblem = code && code !== "ERR_TLS_CERT_ALTNAME_INVALID" ? `${CHAIN_PROBLEMS[code] ?? "chain not trusted"} (${code})` : undefined;
      const problem = chainProblem ?? nameProblem;
      resolve({
        target,
        servername,
        trusted: !problem,
        ...(problem ? { problem } : {}),
        protocol: socket.getProtocol(),
        ...(cert?.subject?.CN ? { subject: String(cert.subject.CN) } : {}),
        ...(cert?.subjectaltname ? { subjectAltName: cert.subjectaltname } : {}),
        ...(cert?.valid_from ? { validFrom: new Date(cert.valid_from) } : {}),
        ...(cert?.valid_to ? { validTo: new Date(cert.valid_to) } : {}),
        ...(cert?.issuer?.CN ? { issuer: String(cert.issuer.CN) } : {}),
      });
      socket.end();
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const where = `${target.address}:${target.port}`;
      reject(new Error(error.code === "ECONNREFUSED" ? `connection refused by ${where}` : `${where}: ${error.message}`));
    });
  });
}

/** True when the server completes a handshake limited to TLS 1.0/1.1, which RFC 8996 deprecates. */
export function acceptsLegacyTls(target: ConnectTarget, servername: string, timeoutMs: number, stats: TlsStats): Promise<boolean> {
  stats.handshakes++;
  const isIpName = /^[\d.]+$|:/.test(servername);
  return new Promise((resolve) => {
    let socket: ReturnType<typeof connect>;
    try {
      socket = connect({
        host: target.address,
        port: target.port,
        ...(isIpName ? {} : { servername }),
        rejectUnauthorized: false,
        minVersion: "TLSv1",
        maxVersion: "TLSv1.1",
        // The client side must be willing to speak the old protocols for the question to mean anything.
        ciphers: "DEFAULT:@SECLEVEL=0",
      });
    } catch {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      socket.end();
      resolve(true);
    });
    socket.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

export function daysUntil(date: Date, now = Date.now()): number {
  return Math.floor((date.getTime() - now) / 86_400_000);
}
