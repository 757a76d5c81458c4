import { connectEngine } from "../../env/engine.ts";
import { findK6Binary, k6BinaryEngine } from "./k6-binary.ts";
import { k6ContainerEngine, k6Image, k6ImagePresent } from "./k6-container.ts";
import type { LoadEngine } from "./load-engine.ts";
import { nodeEngine } from "./node-engine.ts";

export type EngineChoice = "auto" | "k6" | "node";

/** `--engine k6` where neither a k6 binary nor a container engine for the k6 image exists. */
export class K6UnavailableError extends Error {}

/**
 * The engine for a choice: `k6` is a k6 binary (K6_BIN or PATH), else the grafana/k6 image;
 * `auto` prefers either of those and falls back to the embedded node engine, saying so in
 * `notice`; `node` is the embedded engine.
 */
export async function selectEngine(choice: EngineChoice, env: NodeJS.ProcessEnv = process.env): Promise<{ engine: LoadEngine; notice?: string }> {
  if (choice === "node") return { engine: nodeEngine };
  const binary = findK6Binary(env);
  if (binary) return { engine: await k6BinaryEngine(binary) };
  const image = k6Image(env);
  if (choice === "k6") {
    try {
      await connectEngine();
    } catch (error) {
      throw new K6UnavailableError(
        `--engine k6 needs a k6 binary (K6_BIN or k6 on PATH) or a container engine for ${image}, and found neither ` +
          `(${(error as Error).message.split("\n")[0]}). Install k6, start Docker or Podman, or use --engine node.`,
      );
    }
    return { engine: k6ContainerEngine(image) };
  }
  if (await k6ImagePresent(image)) return { engine: k6ContainerEngine(image) };
  return {
    engine: nodeEngine,
    notice: `no k6 binary (K6_BIN, PATH) and no local ${image} image: running the embedded node engine`,
  };
}
