/** A TOML value as the Conduit family's configuration uses them: no dates, no arrays of tables. */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue | undefined;
}

function isTable(value: TomlValue): value is TomlTable {
  return typeof value === "object" && !Array.isArray(value);
}

function bareKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function inlineValue(value: TomlValue, path: string): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${path}: TOML has no ${value}; expected a finite number`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, index) => inlineValue(item, `${path}[${index}]`)).join(", ")}]`;
  const entries = Object.entries(value).filter((entry): entry is [string, TomlValue] => entry[1] !== undefined);
  return `{ ${entries.map(([key, item]) => `${bareKey(key)} = ${inlineValue(item, `${path}.${key}`)}`).join(", ")} }`;
}

/** A TOML document: a table's plain keys first, then each sub-table under its `[a.b]` header. */
export function toToml(table: TomlTable, prefix: string[] = []): string {
  const entries = Object.entries(table).filter((entry): entry is [string, TomlValue] => entry[1] !== undefined);
  const lines = entries.filter(([, value]) => !isTable(value)).map(([key, value]) => `${bareKey(key)} = ${inlineValue(value, [...prefix, key].join("."))}`);
  const sections = entries
    .filter((entry): entry is [string, TomlTable] => isTable(entry[1]))
    .map(([key, value]) => {
      const path = [...prefix, key];
      return `[${path.map(bareKey).join(".")}]\n${toToml(value, path)}`;
    });
  return [lines.join("\n"), ...sections].filter(Boolean).join("\n\n") + "\n";
}
