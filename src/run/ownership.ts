// Environments that `gauntlet run` starts for itself belong to its process. A run killed with
// SIGKILL cannot tear its environment down; the next run finds it by its dead owner and does.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectEngine } from "../env/engine.ts";
import { stateDir } from "../env/state.ts";
import { removeRun } from "../env/teardown.ts";

function ownersDir(): string {
  return join(stateDir(), "owners");
}

/** Notes that this process owns the run: it tears it down itself unless it is killed. */
export function claimRun(runId: string): void {
  mkdirSync(ownersDir(), { recursive: true, mode: 0o700 });
  writeFileSync(join(ownersDir(), `${runId}.pid`), String(process.pid), { mode: 0o600 });
}

export function releaseRun(runId: string): void {
  rmSync(join(ownersDir(), `${runId}.pid`), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the environments of `gauntlet run` processes that died without tearing them down. */
export async function removeOrphanedRuns(progress: (line: string) => void): Promise<string[]> {
  let entries: string[];
  try {
    entries = readdirSync(ownersDir()).filter((name) => name.endsWith(".pid"));
  } catch {
    return [];
  }
  const orphans = entries
    .map((name) => ({ runId: name.slice(0, -4), pid: Number(readFileSync(join(ownersDir(), name), "utf8")) }))
    .filter(({ pid }) => Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid));
  if (orphans.length === 0) return [];
  const { docker } = await connectEngine();
  for (const { runId, pid } of orphans) {
    const removed = await removeRun(docker, runId);
    releaseRun(runId);
    progress(`removed run ${runId}, left behind by a gauntlet run (pid ${pid}) that ended without tearing it down: ${removed.containers.length} container(s)`);
  }
  return orphans.map((o) => o.runId);
}
