import type { RunJob } from "./types.js";

/** Jobs in columns by depth of their `needs`, so the graph reads left to right. Pure. */
export function jobColumns(jobs: RunJob[]): RunJob[][] {
  const byId = new Map<string, RunJob[]>();
  for (const job of jobs) byId.set(job.id, [...(byId.get(job.id) ?? []), job]);
  const depth = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle cannot run; draw it flat rather than loop
    seen.add(id);
    const needs = byId.get(id)?.[0]?.needs ?? [];
    const d = needs.length === 0 ? 0 : 1 + Math.max(...needs.map((n) => visit(n, seen)));
    depth.set(id, d);
    return d;
  };
  const columns: RunJob[][] = [];
  for (const job of jobs) {
    const d = visit(job.id, new Set());
    (columns[d] ??= []).push(job);
  }
  return columns.filter(Boolean);
}
