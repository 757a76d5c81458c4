// Time from `startEnvironment` to every homeserver healthy (admin user registered), warm images,
// median of N; `--cold` also times building the Debian image from scratch.
import { parseArgs } from "node:util";
import { connectEngine } from "../src/env/engine.ts";
import { buildDebianImage, debianImageTag } from "../src/env/debian-image.ts";
import { startEnvironment, type EnvironmentOptions } from "../src/env/environment.ts";
import { resolveImage } from "../src/env/images.ts";
import { getProfile } from "../src/env/profiles/index.ts";

const { values } = parseArgs({ options: { repeat: { type: "string", default: "3" }, cold: { type: "boolean", default: false } } });
const repeat = Number(values.repeat);

const cases: { name: string; target: number; options: EnvironmentOptions }[] = [
  { name: "Synapse + SQLite", target: 10, options: { database: "sqlite", servers: 1 } },
  { name: "Synapse + PostgreSQL", target: 15, options: { database: "postgres", servers: 1 } },
  { name: "2 × Synapse + PostgreSQL", target: 20, options: { database: "postgres", servers: 2 } },
];

const { docker } = await connectEngine();
if (values.cold) {
  await docker.getImage(debianImageTag()).remove({ force: true }).catch(() => {});
  const start = performance.now();
  await buildDebianImage(docker, (line) => process.stderr.write(`  ${line}\n`));
  console.log(`cold image build (debootstrap + apt + import): ${((performance.now() - start) / 1000).toFixed(1)} s`);
}
// Warm: whatever image `auto` picks must already be here before timing starts.
await resolveImage(docker, "homeserver", { registryImage: getProfile("synapse").registryImage(), recipe: getProfile("synapse").localImage(), progress: (l) => process.stderr.write(`  ${l}\n`) });

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

console.log(`time to healthy, warm images, ${repeat} runs each (seconds)`);
console.log(`${"environment".padEnd(28)} ${"median".padStart(7)} ${"min".padStart(7)} ${"max".padStart(7)}  target`);
for (const c of cases) {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    const env = await startEnvironment(c.options);
    times.push((performance.now() - start) / 1000);
    await env.stop();
  }
  const m = median(times);
  console.log(
    `${c.name.padEnd(28)} ${m.toFixed(2).padStart(7)} ${Math.min(...times).toFixed(2).padStart(7)} ${Math.max(...times).toFixed(2).padStart(7)}  ≤ ${c.target} s ${m <= c.target ? "met" : "MISSED"}`,
  );
}
