import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { claimPeerPort } from "../../../src/deployment/peer-ports.ts";
import { isPortListening } from "../../../src/env/ports.ts";
import { createCertificateAuthority, type CertificatePair } from "../../../src/env/tls.ts";
import { FederationPeer } from "../../../src/federation/peer.ts";

const MODULE = new URL("../../../src/deployment/peer-ports.ts", import.meta.url).pathname;

describe("federation peer ports are never reused within a run", () => {
  let dir: string;
  let ca: CertificatePair;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "gauntlet-peer-ports-test-"));
    ca = await createCertificateAuthority("peer ports test CA");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a port is claimed once: the first claim records it in the directory, the second is refused", () => {
    expect(claimPeerPort(40001, dir)).toBe(true);
    expect(existsSync(join(dir, "40001"))).toBe(true);
    expect(claimPeerPort(40001, dir)).toBe(false);
    expect(claimPeerPort(40002, dir)).toBe(true);
  });

  test("another process (another suite worker) is refused a port this one claimed", () => {
    expect(claimPeerPort(40003, dir)).toBe(true);
    const script = `import { claimPeerPort } from ${JSON.stringify(MODULE)}; console.log(JSON.stringify([claimPeerPort(40003, ${JSON.stringify(dir)}), claimPeerPort(40004, ${JSON.stringify(dir)})]));`;
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(JSON.parse(output)).toEqual([false, true]);
  });

  test("a peer skips the ports its claim refuses, takes the next, and releases the refused ones", async () => {
    const refused: number[] = [];
    const peer = await new FederationPeer({
      ca,
      directory: () => undefined,
      claimPort: (port) => {
        if (refused.length < 3) {
          refused.push(port);
          return false;
        }
        return true;
      },
    }).start();
    try {
      const port = Number(peer.serverName.split(":")[1]);
      expect(refused).toHaveLength(3);
      expect(refused).not.toContain(port);
      expect(await isPortListening(port)).toBe(true);
      for (const r of refused) expect(await isPortListening(r)).toBe(false);
    } finally {
      await peer.stop();
    }
  });

  test("a peer whose claim cannot be recorded fails to start with that error and leaves no port bound", async () => {
    let offered = 0;
    const peer = new FederationPeer({
      ca,
      directory: () => undefined,
      claimPort: (port) => {
        offered = port;
        throw new Error("could not record federation peer port");
      },
    });
    await expect(peer.start()).rejects.toThrow("could not record federation peer port");
    expect(offered).toBeGreaterThan(0);
    expect(await isPortListening(offered)).toBe(false);
  });

  test("a peer whose claim refuses every port fails to start with a message naming the cause", async () => {
    const peer = new FederationPeer({ ca, directory: () => undefined, claimPort: () => false });
    await expect(peer.start()).rejects.toThrow(/no port on 127\.0\.0\.1 that no earlier peer used/);
  });
});
