import type { z } from "zod";

/** One way a JSON value departs from its schema: where, what was expected, what was there. */
export interface SchemaProblem {
  path: string;
  expected: string;
  actual: string;
}

/** `$.rooms.join["!a:hs"].timeline.events[0]`, the JSON path notation failure messages use. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = "$";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== "object" || !(key in (current as object))) return { found: false, value: undefined };
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: current };
}

function show(found: boolean, value: unknown): string {
  if (!found) return "nothing (the key is absent)";
  const text = JSON.stringify(value);
  const clipped = text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 120)}…` : text;
  return `${clipped} (${value === null ? "null" : Array.isArray(value) ? "array" : typeof value})`;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected;
    case "invalid_value":
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return `a string in ${issue.format} format`;
    case "too_small":
      return `${issue.origin} of at least ${String(issue.minimum)}`;
    case "too_big":
      return `${issue.origin} of at most ${String(issue.maximum)}`;
    case "unrecognized_keys":
      return `no keys ${issue.keys.join(", ")}`;
    default:
      return issue.message;
  }
}

/** Checks a value against a schema; returns the problems, empty when it conforms. */
export function checkSchema(schema: z.ZodType, value: unknown): SchemaProblem[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const { found, value: actual } = valueAt(value, issue.path);
    return { path: jsonPath(issue.path), expected: expectation(issue), actual: show(found, actual) };
  });
}

export function describeProblems(problems: SchemaProblem[]): string {
  return problems
    .slice(0, 10)
    .map((p) => `  at ${p.path}: expected ${p.expected}, got ${p.actual}`)
    .concat(problems.length > 10 ? [`  … and ${problems.length - 10} more`] : [])
    .join("\n");
}
