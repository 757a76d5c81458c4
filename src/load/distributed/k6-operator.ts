// Manifests for Grafana's k6 operator, which runs one k6 script on `parallelism` runner pods in a
// Kubernetes cluster, each with its own execution segment. The operator mounts a ConfigMap's keys
// as files of one directory, so the script and the modules it imports are flattened into it.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, relative, resolve } from "node:path";

/** What `gauntlet load --emit k6-operator` is asked for. */
export interface K6OperatorRequest {
  readonly scriptPath: string;
  /** The script's __ENV; the runners get it as environment variables, which k6 run passes to __ENV. */
  readonly env: Readonly<Record<string, string>>;
  /** How many runner pods split the test. */
  readonly parallelism: number;
  /** Name of the TestRun and its ConfigMap (a DNS label). */
  readonly name: string;
  /** The runner image: any k6 that runs TypeScript (k6 v1 or later). */
  readonly runnerImage: string;
}

export interface K6OperatorManifests {
  /** File name → manifest. JSON is YAML, so `kubectl apply -f` takes the files as they are. */
  readonly files: Record<string, string>;
  /** The segment each runner gets, as `k6 run` would be told it. */
  readonly segments: { readonly executionSegment: string; readonly executionSegmentSequence: string }[];
}

// A ConfigMap holds at most 1 MiB.
const CONFIGMAP_LIMIT = 1_048_576;
const RELATIVE_IMPORT = /(\bfrom\s*|\bimport\s*\(?\s*)(["'])(\.\.?\/[^"']+)\2/g;

/** The flat file name of a module in the ConfigMap: its path from the script's folder, `/` as `__`. */
function flatName(root: string, path: string): string {
  return relative(root, path).split(/[\\/]/).map((part) => (part === ".." ? "up" : part)).join("__");
}

/** The script and every module it imports by relative path, each rewritten to import the flat names. */
export function flattenScript(scriptPath: string): { entry: string; files: Record<string, string> } {
  const root = dirname(resolve(scriptPath));
  const files: Record<string, string> = {};
  const pending = [resolve(scriptPath)];
  while (pending.length > 0) {
    const path = pending.pop() as string;
    const name = flatName(root, path);
    if (name in files) continue;
    if (!existsSync(path)) throw new Error(`${relative(root, path)} is imported by the script but does not exist`);
    files[name] = readFileSync(path, "utf8").replace(RELATIVE_IMPORT, (_, keyword: string, quote: string, specifier: string) => {
      const target = resolve(dirname(path), specifier);
      pending.push(target);
      return `${keyword}${quote}./${flatName(root, target)}${quote}`;
    });
  }
  return { entry: basename(scriptPath), files };
}

/** The execution segments the operator gives its runners: equal parts, in order. */
export function equalSegments(parallelism: number): K6OperatorManifests["segments"] {
  const boundary = (i: number) => (i === 0 ? "0" : i === parallelism ? "1" : `${i}/${parallelism}`);
  const executionSegmentSequence = Array.from({ length: parallelism + 1 }, (_, i) => boundary(i)).join(",");
  return Array.from({ length: parallelism }, (_, i) => ({ executionSegment: `${boundary(i)}:${boundary(i + 1)}`, executionSegmentSequence }));
}

export function k6OperatorManifests(request: K6OperatorRequest): K6OperatorManifests {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(request.name)) {
    throw new Error(`"${request.name}" is not a Kubernetes name: lower-case letters, digits and '-', at most 63`);
  }
  if (!Number.isInteger(request.parallelism) || request.parallelism < 1) {
    throw new Error(`parallelism must be a whole number of runners, at least 1; got ${request.parallelism}`);
  }
  const { entry, files } = flattenScript(request.scriptPath);
  const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: request.name, labels: { "app.kubernetes.io/part-of": "gauntlet" } }, data: files };
  const size = Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  if (size > CONFIGMAP_LIMIT) throw new Error(`the script and its modules are ${size} bytes; a ConfigMap holds at most ${CONFIGMAP_LIMIT}`);
  const testRun = {
    apiVersion: "k6.io/v1alpha1",
    kind: "TestRun",
    metadata: { name: request.name, labels: { "app.kubernetes.io/part-of": "gauntlet" } },
    spec: {
      parallelism: request.parallelism,
      script: { configMap: { name: request.name, file: entry } },
      arguments: `--tag testid=${request.name}`,
      runner: {
        image: request.runnerImage,
        env: Object.entries(request.env).map(([name, value]) => ({ name, value })),
      },
    },
  };
  const manifest = (what: string, body: object) => `# ${what}, written by gauntlet load --emit k6-operator\n${JSON.stringify(body, null, 2)}\n`;
  return {
    files: {
      "configmap.yaml": manifest(`The k6 script ${entry} and its modules`, configMap),
      "testrun.yaml": manifest(`${request.parallelism} k6 runners, each with an equal execution segment`, testRun),
    },
    segments: equalSegments(request.parallelism),
  };
}
