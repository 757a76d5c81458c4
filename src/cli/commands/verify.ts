import { readFileSync } from "node:fs";
import type { CommandModule } from "yargs";
import { parseDnsServer } from "../../verify/dns-client.ts";
import { formatJson, formatJunit, formatTerminal, verifyDeployment } from "../../verify/index.ts";
import { parseResolveEntry } from "../../verify/resolver.ts";
import { parseServerName } from "../../verify/server-name.ts";
import type { VerifyOptions } from "../../verify/types.ts";
import { UserError } from "../../errors/user-error.ts";

interface VerifyArgs {
  server: string;
  resolve: string[];
  dns?: string;
  ca?: string;
  format: "terminal" | "json" | "junit";
  timeout: number;
  deadline: number;
  federation: boolean;
  "allow-writes": boolean;
  "allow-open-registration": boolean;
  token?: string;
  user?: string;
  password?: string;
}

function credentialsFrom(args: VerifyArgs): VerifyOptions["credentials"] {
  const token = args.token ?? process.env.GAUNTLET_VERIFY_TOKEN;
  const password = args.password ?? process.env.GAUNTLET_VERIFY_PASSWORD;
  if (token && args.user) throw new UserError("give either --token or --user with --password, not both");
  if (token) return { accessToken: token };
  if (args.user && !password) throw new UserError("--user needs --password (or GAUNTLET_VERIFY_PASSWORD in the environment)");
  if (!args.user && password) throw new UserError("--password needs --user");
  if (args.user && password) return { user: args.user, password };
  if (args["allow-writes"]) throw new UserError("--allow-writes needs credentials: --token, or --user and --password");
  return undefined;
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: "verify <server>",
  describe: "Check a live deployment: discovery, TLS, federation keys, reverse proxy, registration (read-only unless --allow-writes)",
  builder: (y) =>
    y
      .positional("server", { type: "string", demandOption: true, describe: "Server name as in user IDs, e.g. example.org" })
      .option("resolve", { type: "string", array: true, default: [], describe: "HOST:PORT:ADDR[:PORT], like curl: connect there instead of resolving HOST" })
      .option("dns", { type: "string", describe: "ADDR:PORT of a DNS server to ask instead of the system resolver" })
      .option("ca", { type: "string", describe: "PEM file of CA certificates to trust instead of the built-in roots" })
      .option("format", { choices: ["terminal", "json", "junit"] as const, default: "terminal" as const, describe: "Output format" })
      .option("timeout", { type: "number", default: 10, describe: "Seconds per request: connect, TLS, headers and body together" })
      .option("deadline", { type: "number", default: 120, describe: "Seconds for the whole run; checks not reached by then are reported as not run" })
      .option("federation", { type: "boolean", default: true, describe: "--no-federation: the server does not federate on purpose; skip server discovery and federation checks" })
      .option("allow-writes", { type: "boolean", default: false, describe: "Create a private room, send, sync, leave and forget it; upload media; read registration flows" })
      .option("allow-open-registration", { type: "boolean", default: false, describe: "Registration without verification is intended: warn instead of fail" })
      .option("token", { type: "string", describe: "Access token (or GAUNTLET_VERIFY_TOKEN)" })
      .option("user", { type: "string", describe: "User to log in as (with --password)" })
      .option("password", { type: "string", describe: "Password (or GAUNTLET_VERIFY_PASSWORD)" })
      .example("$0 verify example.org", "Read-only check of a deployment")
      .example("$0 verify example.test --dns 127.0.0.1:5353 --ca ca.pem", "Against a test deployment with its own DNS and CA") as never,
  handler: async (args) => {
    try {
      parseServerName(args.server);
      for (const entry of args.resolve) parseResolveEntry(entry);
      if (args.dns) parseDnsServer(args.dns);
    } catch (error) {
      throw new UserError((error as Error).message, 2);
    }
    if (!(args.timeout > 0 && args.timeout <= 120)) throw new UserError(`--timeout must be between 0 and 120 seconds, got ${args.timeout}`, 2);
    if (!(args.deadline > 0 && args.deadline <= 3600)) throw new UserError(`--deadline must be between 0 and 3600 seconds, got ${args.deadline}`, 2);
    let caPem: string | undefined;
    if (args.ca) {
      try {
        caPem = readFileSync(args.ca, "utf8");
      } catch (error) {
        throw new UserError(`cannot read --ca ${args.ca}: ${(error as Error).message}`, 2);
      }
      if (!caPem.includes("-----BEGIN CERTIFICATE-----")) throw new UserError(`--ca ${args.ca} holds no PEM certificate`, 2);
    }
    const credentials = credentialsFrom(args);
    const live = args.format === "terminal" && process.stderr.isTTY;
    const report = await verifyDeployment({
      serverName: args.server,
      resolve: args.resolve,
      ...(args.dns ? { dns: args.dns } : {}),
      ...(caPem ? { caPem } : {}),
      timeoutMs: args.timeout * 1000,
      deadlineMs: args.deadline * 1000,
      federation: args.federation,
      allowWrites: args["allow-writes"],
      allowOpenRegistration: args["allow-open-registration"],
      ...(credentials ? { credentials } : {}),
      ...(live ? { onCheck: (c) => process.stderr.write(`  … ${c.status} ${c.id}\r\x1b[K`) } : {}),
    });
    const output = args.format === "json" ? formatJson(report) : args.format === "junit" ? formatJunit(report) : formatTerminal(report, process.stdout.isTTY === true);
    process.stdout.write(output);
    process.exitCode = report.summary.ok ? 0 : 1;
  },
};
