import { MinHeap } from "./min-heap.ts";

/**
 * Kahn's algorithm that always emits the smallest ready node under `compare`: the
 * lexicographically smallest topological order (rooms/v2 "Reverse topological power ordering").
 * `parentsOf` lists a node's parents (its auth events); parents come out first. Parents outside
 * `nodes` are ignored. O((V + E) log V).
 */
export function lexicographicalTopologicalSort(
  nodes: Iterable<string>,
  parentsOf: (node: string) => Iterable<string>,
  compare: (a: string, b: string) => number,
): string[] {
  const members = new Set(nodes);
  const pending = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const node of members) {
    let count = 0;
    for (const parent of new Set(parentsOf(node))) {
      if (!members.has(parent) || parent === node) continue;
      count++;
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(node);
    }
    pending.set(node, count);
  }
  const ready = new MinHeap<string>(compare);
  for (const [node, count] of pending) if (count === 0) ready.push(node);
  const order: string[] = [];
  while (ready.size > 0) {
    const node = ready.pop()!;
    order.push(node);
    for (const child of children.get(node) ?? []) {
      const left = pending.get(child)! - 1;
      pending.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (order.length !== members.size) throw new Error("auth events form a cycle; the event graph is invalid");
  return order;
}
