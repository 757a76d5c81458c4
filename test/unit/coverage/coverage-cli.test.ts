import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, test } from "vitest";

const NODE = join(process.cwd(), "node_modules", ".bin", "node");
const CLI = join(process.cwd(), "src", "cli", "main.ts");

function coverage(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(NODE, [CLI, "coverage", "--suite", "client/discovery", ...args], { timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("gauntlet coverage thresholds", () => {
  test("--min and --min-complete pass at or below the measured share and exit 1 above it", async () => {
    const json = await coverage(["--json"]);
    expect(json.code).toBe(0);
    const clientServer = (JSON.parse(json.stdout) as { apis: { api: string; coveredPercent: number; completePercent: number }[] }).apis.find((a) => a.api === "client-server")!;
    expect((await coverage(["--min", String(clientServer.coveredPercent), "--min-complete", String(clientServer.completePercent)])).code).toBe(0);
    const tooHigh = await coverage(["--min-complete", String(clientServer.completePercent + 1)]);
    expect(tooHigh.code).toBe(1);
    expect(tooHigh.stderr).toContain(`${clientServer.completePercent}%, below --min-complete ${clientServer.completePercent + 1}%`);
    expect((await coverage(["--min", String(clientServer.coveredPercent + 1)])).code).toBe(1);
  }, 180_000);
});
