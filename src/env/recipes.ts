import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BuildProgress } from "./images.ts";

/** `docker/`: one folder per image recipe, readable and runnable without Gauntlet. */
export const RECIPES_DIR = fileURLToPath(new URL("../../docker/", import.meta.url));

export function recipeFile(image: string, file: string): string {
  return `${RECIPES_DIR}${image}/${file}`;
}

export function readRecipe(image: string, file: string): string {
  return readFileSync(recipeFile(image, file), "utf8");
}

/** A `NAME=value` (or `NAME="a b"`) assignment of a recipe script, as the script itself sets it. */
export function recipeVariable(text: string, name: string): string {
  const match = new RegExp(`^${name}=(?:"([^"]*)"|(\\S*))\\s*$`, "m").exec(text);
  if (!match) throw new Error(`the recipe sets no ${name}= line; it names what the image holds and cannot be left out`);
  return match[1] ?? match[2] ?? "";
}

/** Ten hex digits naming a recipe's content: an image tag changes when its recipe does. */
export function recipeHash(...parts: string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex").slice(0, 10);
}

/** Runs one build step, passing each output line on; a failure carries the step's last 30 lines. */
export function runBuildStep(command: string, args: string[], onLine: BuildProgress, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
    const tail: string[] = [];
    const take = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (error) => reject(new Error(`could not run ${command}: ${error.message}`)));
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.slice(0, 3).join(" ")} … exited with ${code}; last lines:\n${tail.join("\n")}`)),
    );
  });
}

/** Prefixes progress lines with the seconds since a build started. */
export function timedProgress(progress: BuildProgress): BuildProgress {
  const started = Date.now();
  return (text) => progress(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${text}`);
}
