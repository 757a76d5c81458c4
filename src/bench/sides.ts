import type { EnvironmentOptions } from "../env/environment.ts";
import type { DatabaseKind } from "../env/profiles/types.ts";

// The sides of a bench: each implementation on each database. With one implementation a side is
// named by its database alone (`sqlite`, `postgres`), as results.json has always named them;
// with several, `<implementation>-<database>` (`synapse-postgres`, `dendrite-sqlite`).

export interface BenchSide {
  readonly key: string;
  readonly hs: string;
  readonly db: DatabaseKind;
  /** Settings only this side's environment takes (the image or release given for the first implementation). */
  readonly environment: Pick<EnvironmentOptions, "image" | "version">;
}

export function benchSides(implementations: readonly string[], databases: readonly DatabaseKind[], firstOnly: Pick<EnvironmentOptions, "image" | "version"> = {}): BenchSide[] {
  const several = implementations.length > 1;
  return implementations.flatMap((hs, i) =>
    databases.map((db) => ({ key: several ? `${hs}-${db}` : db, hs, db, environment: i === 0 ? firstOnly : {} })),
  );
}

function parts(key: string): { hs: string; db: string } {
  const dash = key.lastIndexOf("-");
  return dash < 0 ? { hs: "", db: key } : { hs: key.slice(0, dash), db: key.slice(dash + 1) };
}

/**
 * The ratios a report shows, numerator first: PostgreSQL over SQLite within each implementation,
 * then each further implementation over the first on the same database.
 */
export function comparisonPairs(keys: readonly string[]): [string, string][] {
  const sides = keys.map((key) => ({ key, ...parts(key) }));
  const pairs: [string, string][] = [];
  const implementations = [...new Set(sides.map((s) => s.hs))];
  for (const hs of implementations) {
    const postgres = sides.find((s) => s.hs === hs && s.db === "postgres");
    const sqlite = sides.find((s) => s.hs === hs && s.db === "sqlite");
    if (postgres && sqlite) pairs.push([postgres.key, sqlite.key]);
  }
  const [first, ...others] = implementations;
  for (const hs of others) {
    for (const side of sides.filter((s) => s.hs === hs)) {
      const base = sides.find((s) => s.hs === first && s.db === side.db);
      if (base) pairs.push([side.key, base.key]);
    }
  }
  return pairs;
}

const DATABASE_NAMES: Record<string, string> = { postgres: "PostgreSQL", sqlite: "SQLite" };
const IMPLEMENTATION_NAMES: Record<string, string> = { synapse: "Synapse", dendrite: "Dendrite" };

/** `PostgreSQL`, or `Dendrite on SQLite`. */
export function sideName(key: string): string {
  const { hs, db } = parts(key);
  const database = DATABASE_NAMES[db] ?? db;
  return hs ? `${IMPLEMENTATION_NAMES[hs] ?? hs} on ${database}` : database;
}
