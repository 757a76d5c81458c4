import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPortListening } from "../../../../src/env/ports.ts";

export const NGINX_BINARY = process.env.NGINX_BINARY ?? "/usr/sbin/nginx";

/** An nginx started as a child process with its own prefix directory; nothing of the system's nginx is used. */
export interface RunningNginx {
  dir: string;
  /** Lines of the access log: `METHOD URI STATUS HOST`. */
  accessLog(): { method: string; uri: string; status: number; host: string }[];
  stop(): Promise<void>;
}

/** Writes `files` and `nginx.conf` (built by `config(dir)`) into a fresh directory and starts nginx there. */
export async function startNginx(options: { ports: number[]; files: Record<string, string>; config: (dir: string) => string }): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), "gauntlet-verify-nginx-"));
  // Workers drop privileges when the master runs as root: they must be able to enter the directory and read the served files.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, "tmp"));
  mkdirSync(join(dir, "logs"));
  for (const [name, content] of Object.entries(options.files)) writeFileSync(join(dir, name), content, { mode: name.endsWith(".key") ? 0o600 : 0o644 });
  writeFileSync(join(dir, "nginx.conf"), options.config(dir));
  const child: ChildProcess = spawn(NGINX_BINARY, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "logs", "error.log"), "-g", `daemon off; pid ${join(dir, "nginx.pid")};`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    // SIGTERM asks nginx for a fast shutdown; give it 5 s, then kill.
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exit;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  // Bounded wait: 100 polls of 50 ms for every listening port.
  for (let attempt = 0; attempt < 100; attempt++) {
    if (exited) break;
    const up = await Promise.all(options.ports.map((port) => isPortListening(port)));
    if (up.every(Boolean)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (exited || !(await Promise.all(options.ports.map((port) => isPortListening(port)))).every(Boolean)) {
    const log = (() => {
      try {
        return readFileSync(join(dir, "logs", "error.log"), "utf8");
      } catch {
        return "";
      }
    })();
    await stop();
    throw new Error(`nginx did not start listening on ${options.ports.join(", ")}:\n${stderr}\n${log}`);
  }
  return {
    dir,
    accessLog: () =>
      readFileSync(join(dir, "logs", "access.log"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [method = "", uri = "", status = "0", host = ""] = line.split(" ");
          return { method, uri, status: Number(status), host };
        }),
    stop,
  };
}
