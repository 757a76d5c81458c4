import { probeEngine } from "../../src/env/engine.ts";

// Integration tests start real homeservers: without an engine they must fail loudly, not pass.
export default async function requireEngine(): Promise<void> {
  try {
    await probeEngine();
  } catch (error) {
    throw new Error(`Integration tests need a container engine.\n${(error as Error).message}`);
  }
}
