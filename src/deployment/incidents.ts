import { existsSync, readFileSync } from "node:fs";

/** Something that happened to the deployment while the suites ran: a container died, a homeserver stalled. */
export interface Incident {
  /** The container or homeserver it happened to: `hs1`, `postgres`. */
  role: string;
  /** The homeservers that no longer work because of it. */
  affects: string[];
  at: string;
  /** What happened, in one sentence. */
  cause: string;
  /** The last lines of the container's log (secrets masked); empty when there is none to show. */
  logTail: string;
}

/** The incidents written so far; none while the file does not exist. */
export function readIncidents(file: string | undefined): Incident[] {
  if (!file || !existsSync(file)) return [];
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Incident[];
  } catch {
    // Mid-rename on a slow filesystem: the next look sees it whole.
    return [];
  }
}

/** The error a test gets for a homeserver that went down, with the cause and where to read more. */
export class DeploymentDownError extends Error {
  constructor(homeserver: string, incident: Incident) {
    super(`${homeserver} is down, so this test did not run against it: ${incident.cause} (at ${incident.at}); the run's errors hold its last log lines`);
    this.name = "DeploymentDownError";
  }
}
