import { createHash } from "node:crypto";

export interface CheckRecord {
  readonly name: string;
  readonly path: string;
  readonly id: string;
  passes: number;
  fails: number;
}

/** A k6 group with its checks and subgroups, keyed as k6's summary export keys them. */
export interface GroupNode {
  readonly name: string;
  readonly path: string;
  readonly id: string;
  readonly groups: Map<string, GroupNode>;
  readonly checks: Map<string, CheckRecord>;
}

// k6 identifies groups and checks by the MD5 of their path.
const idOf = (path: string): string => createHash("md5").update(path).digest("hex");

export function newRootGroup(): GroupNode {
  return { name: "", path: "", id: idOf(""), groups: new Map(), checks: new Map() };
}

/** The group at a `::`-joined path, created on first use. */
export function groupAt(root: GroupNode, path: string): GroupNode {
  if (path === "") return root;
  let node = root;
  for (const name of path.split("::").slice(1)) {
    let child = node.groups.get(name);
    if (!child) {
      const childPath = `${node.path}::${name}`;
      child = { name, path: childPath, id: idOf(childPath), groups: new Map(), checks: new Map() };
      node.groups.set(name, child);
    }
    node = child;
  }
  return node;
}

export function checkIn(group: GroupNode, name: string): CheckRecord {
  let check = group.checks.get(name);
  if (!check) {
    const path = `${group.path}::${name}`;
    check = { name, path, id: idOf(path), passes: 0, fails: 0 };
    group.checks.set(name, check);
  }
  return check;
}
