import { spawn } from "node:child_process";

/**
 * Runs a command with the terminal attached and resolves with its exit code; Ctrl-C reaches it
 * through the process group, and SIGTERM is passed on so the engine can write its summary.
 */
export function runAttached(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit" });
    const forward = (): void => void child.kill("SIGTERM");
    process.on("SIGTERM", forward);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      process.off("SIGTERM", forward);
      resolve(code ?? (signal ? 128 + 15 : 1));
    });
  });
}
