import { spawn } from "node:child_process";

/** Runs `gauntlet verify` as a user would, in a child process (asynchronously: test servers live in this process). */
export async function runVerifyCli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string; wallMs: number }> {
  const started = performance.now();
  const child = spawn("node_modules/.bin/node", ["src/cli/main.ts", "verify", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // Bounded: a verify that outlives two minutes is killed, and the test sees the signal as a null status.
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const status = await new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  clearTimeout(timer);
  return { status, stdout, stderr, wallMs: performance.now() - started };
}
