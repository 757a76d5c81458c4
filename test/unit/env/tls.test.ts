import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { describe, expect, test } from "vitest";
import { createCertificateAuthority, issueServerCertificate } from "../../../src/env/tls.ts";

describe("run CA and server certificates", () => {
  test("a server certificate is signed by the CA and valid for every name given", async () => {
    const ca = await createCertificateAuthority("test CA");
    const leaf = await issueServerCertificate(ca, { names: ["localhost", "hs1", "127.0.0.1"] });
    const caCert = new X509Certificate(ca.certPem);
    const cert = new X509Certificate(leaf.certPem);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkHost("hs1")).toBe("hs1");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkHost("example.org")).toBeUndefined();
    // The key matches the certificate.
    expect(createPublicKey(createPrivateKey(leaf.keyPem)).export({ format: "pem", type: "spki" })).toBe(
      cert.publicKey.export({ format: "pem", type: "spki" }),
    );
  });

  test("another CA's certificate does not verify", async () => {
    const ca = await createCertificateAuthority("one");
    const other = await createCertificateAuthority("two");
    const leaf = await issueServerCertificate(other, { names: ["localhost"] });
    expect(new X509Certificate(leaf.certPem).verify(new X509Certificate(ca.certPem).publicKey)).toBe(false);
  });

  test("validity can be set, for expired-certificate checks", async () => {
    const ca = await createCertificateAuthority("ca");
    const notAfter = new Date(Date.now() - 86_400_000);
    const leaf = await issueServerCertificate(ca, { names: ["localhost"], notBefore: new Date(Date.now() - 2 * 86_400_000), notAfter });
    expect(new Date(new X509Certificate(leaf.certPem).validTo).getTime()).toBeLessThan(Date.now());
  });
});
