import { mkdirSync, openSync, closeSync } from "node:fs";
import { join } from "node:path";

// Without a shared record (a peer outside `gauntlet run`), this process's own peers still never share a port.
const claimedHere = new Set<number>();

/**
 * Claims a federation peer's port for good: true the first time a port is claimed, false ever
 * after. A homeserver remembers a server name `localhost:<port>` long after its peer stopped
 * (a failed transaction puts it in backoff, and new events wait for its catch-up), so a later
 * peer that the OS gives the same port would see no traffic. With `dir`, the record is one
 * file per port, created exclusively, so every suite worker of every run against one
 * environment shares it.
 */
export function claimPeerPort(port: number, dir: string | undefined): boolean {
  if (claimedHere.has(port)) return false;
  claimedHere.add(port);
  if (!dir) return true;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(join(dir, String(port)), "wx"));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new Error(`could not record federation peer port ${port} in ${dir}: ${(error as Error).message}`);
  }
}
