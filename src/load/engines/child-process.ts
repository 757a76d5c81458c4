import { spawn } from "node:child_process";

/**
 * Runs a command with the terminal attached and resolves with its exit code. Ctrl-C reaches it
 * through the process group, so this process waits for it to stop and write its summary
 * rather than exiting first; SIGTERM is passed on.
 */
export function runAttached(command: string, args: readonly string[], options: { showStdout?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["inherit", options.showStdout === false ? "ignore" : "inherit", "inherit"] });
    const forward = (): void => void child.kill("SIGTERM");
    const wait = (): void => {};
    process.on("SIGTERM", forward);
    process.on("SIGINT", wait);
    const detach = (): void => {
      process.off("SIGTERM", forward);
      process.off("SIGINT", wait);
    };
    child.on("error", (error) => {
      detach();
      reject(error);
    });
    child.on("exit", (code, signal) => {
      detach();
      resolve(code ?? (signal ? 128 + 15 : 1));
    });
  });
}
