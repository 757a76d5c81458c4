// Watches the deployment while the suites run. A homeserver or its database that dies, or a
// homeserver that stops answering, becomes an incident: written where the suite workers look
// before each test (so the rest fail at once with the cause instead of each timing out) and
// reported once, with the server's last log lines, in the run record.
import { renameSync, writeFileSync } from "node:fs";
import type Dockerode from "dockerode";
import { redactText } from "../client/redact.ts";
import type { Incident } from "../deployment/incidents.ts";
import { containerLogs, containerState } from "../env/container.ts";

/** A container of the deployment and the homeservers that stop working without it. */
export interface WatchedContainer {
  role: string;
  containerId: string;
  /** What it is, for people: "hs1 (synapse)", "PostgreSQL, the database of hs1 and hs2". */
  description: string;
  affects: string[];
}

export interface WatchedHomeserver {
  name: string;
  baseUrl: string;
}

export interface WatchOptions {
  docker?: Dockerode;
  containers: WatchedContainer[];
  homeservers: WatchedHomeserver[];
  /** Where incidents are written for the suite workers. */
  incidentsFile: string;
  intervalMs?: number;
  /** A homeserver that answers nothing for this long has stalled. */
  stallAfterMs?: number;
  /** How long one probe of /_matrix/client/versions may take. */
  probeTimeoutMs?: number;
}

export interface DeploymentWatch {
  /** Stops watching and returns every incident seen, in order. */
  stop(): Promise<Incident[]>;
}

const LOG_LINES = 30;

function writeIncidents(file: string, incidents: Incident[]): void {
  // Written whole and renamed, so that a worker never reads half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(incidents), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

async function answers(baseUrl: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(new URL("/_matrix/client/versions", baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** Starts watching; every check is bounded by its own timeout, and `stop` waits for the one in flight. */
export function watchDeployment(options: WatchOptions): DeploymentWatch {
  const intervalMs = options.intervalMs ?? 1000;
  const stallAfterMs = options.stallAfterMs ?? 20_000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 2000;
  const incidents: Incident[] = [];
  const down = new Set<string>();
  const lastAnswer = new Map(options.homeservers.map((hs) => [hs.name, Date.now()]));
  const record = (incident: Incident) => {
    incidents.push(incident);
    for (const name of incident.affects) down.add(name);
    writeIncidents(options.incidentsFile, incidents);
  };

  const checkContainers = async () => {
    if (!options.docker) return;
    for (const container of options.containers) {
      if (incidents.some((i) => i.role === container.role)) continue;
      const state = await containerState(options.docker, container.containerId).catch(() => ({ running: false, exitCode: -1 }));
      if (state.running) continue;
      const logs = await containerLogs(options.docker, container.containerId, LOG_LINES).catch((error: Error) => `(its log could not be read: ${error.message})`);
      record({
        role: container.role,
        affects: container.affects,
        at: new Date().toISOString(),
        cause: `${container.description} stopped during the suites: its container exited with code ${state.exitCode}`,
        logTail: redactText(logs.trimEnd()),
      });
    }
  };

  const checkAnswers = async () => {
    await Promise.all(
      options.homeservers.map(async (hs) => {
        if (down.has(hs.name)) return;
        if (await answers(hs.baseUrl, probeTimeoutMs)) {
          lastAnswer.set(hs.name, Date.now());
          return;
        }
        const silentMs = Date.now() - (lastAnswer.get(hs.name) ?? Date.now());
        if (silentMs < stallAfterMs) return;
        record({
          role: hs.name,
          affects: [hs.name],
          at: new Date().toISOString(),
          cause: `${hs.name} stopped answering during the suites: GET /_matrix/client/versions got no answer within ${probeTimeoutMs} ms for ${Math.round(silentMs / 1000)} s`,
          logTail: "",
        });
      }),
    );
  };

  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    // One check at a time: a slow engine or probe delays the next tick instead of piling up.
    inFlight = inFlight.then(async () => {
      if (stopped) return;
      await checkContainers();
      await checkAnswers();
    });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight.catch(() => {});
      return incidents;
    },
  };
}
