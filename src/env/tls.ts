import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as never);

type Key = webcrypto.CryptoKey;
type KeyPair = webcrypto.CryptoKeyPair;

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** PEM-encoded certificate and PKCS#8 private key. */
export interface CertificatePair {
  certPem: string;
  keyPem: string;
}

export interface CertificateOptions {
  /** DNS names and IP addresses the certificate is valid for. */
  names: string[];
  notBefore?: Date;
  notAfter?: Date;
}

function isIpAddress(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":");
}

async function exportKeyPem(key: Key): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

async function importKeyPair(pair: CertificatePair): Promise<{ cert: x509.X509Certificate; key: Key }> {
  const cert = new x509.X509Certificate(pair.certPem);
  const der = x509.PemConverter.decode(pair.keyPem)[0];
  if (!der) throw new Error("CA private key PEM holds no key");
  const key = await webcrypto.subtle.importKey("pkcs8", der, algorithm, true, ["sign"]);
  return { cert, key };
}

function serialNumber(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(12))).toString("hex").replace(/^[89a-f]/, "1");
}

/** A certificate authority for one run: homeservers trust it for federation and nothing else does. */
export async function createCertificateAuthority(commonName: string): Promise<CertificatePair> {
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as KeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 30 * 24 * 3600_000),
    signingAlgorithm: algorithm,
    keys: keys as never,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKeyPem(keys.privateKey) };
}

/** A server certificate signed by `ca`, with every name as a subjectAltName. */
export async function issueServerCertificate(ca: CertificatePair, options: CertificateOptions): Promise<CertificatePair> {
  const [first] = options.names;
  if (!first) throw new Error("a server certificate needs at least one name");
  const issuer = await importKeyPair(ca);
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as KeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${first}`,
    issuer: issuer.cert.subject,
    notBefore: options.notBefore ?? new Date(now - 60_000),
    notAfter: options.notAfter ?? new Date(now + 7 * 24 * 3600_000),
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey as never,
    signingKey: issuer.key as never,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(
        options.names.map((name) => (isIpAddress(name) ? { type: "ip", value: name } : { type: "dns", value: name })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKeyPem(keys.privateKey) };
}
