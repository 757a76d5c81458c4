import { findK6Binary, k6BinaryEngine } from "./k6-binary.ts";
import { k6ContainerEngine, k6ImagePresent, K6_IMAGE } from "./k6-container.ts";
import type { LoadEngine } from "./load-engine.ts";
import { nodeEngine } from "./node-engine.ts";

export type EngineChoice = "auto" | "k6" | "node";

/**
 * The engine for a choice: `k6` is a k6 binary (K6_BIN or PATH), else the grafana/k6 image;
 * `auto` prefers either of those and falls back to the embedded node engine, saying so in
 * `notice`; `node` is the embedded engine.
 */
export async function selectEngine(choice: EngineChoice): Promise<{ engine: LoadEngine; notice?: string }> {
  if (choice === "node") return { engine: nodeEngine };
  const binary = findK6Binary();
  if (binary) return { engine: await k6BinaryEngine(binary) };
  if (choice === "k6" || (await k6ImagePresent())) return { engine: k6ContainerEngine };
  return {
    engine: nodeEngine,
    notice: `no k6 binary (K6_BIN, PATH) and no local ${K6_IMAGE} image: running the embedded node engine`,
  };
}
