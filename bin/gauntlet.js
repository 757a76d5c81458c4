#!/usr/bin/env node
// Launcher: Gauntlet is TypeScript run by Node's type stripping (Node >= 24). Where the
// machine's own Node is older, run the Node 24 that the package pins (npm package `node`).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "src", "cli", "main.ts");
const major = Number(process.versions.node.split(".")[0]);

if (major >= 24) {
  await import(entry);
} else {
  const pinned = [join(root, "node_modules", ".bin", "node"), join(root, "..", ".bin", "node")].find(existsSync);
  if (!pinned) {
    console.error(
      `gauntlet needs Node 24 or newer (this is ${process.version}). Run \`npm install\` in ${root} ` +
        "to get the pinned Node 24, or install Node 24.",
    );
    process.exit(2);
  }
  const child = spawn(pinned, [entry, ...process.argv.slice(2)], { stdio: "inherit" });
  // Ctrl-C reaches the child through the terminal's process group; forward what does not.
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  process.on("SIGINT", () => {});
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + 2 : 1)));
}
