import type { RevisionStats } from "../../core/traffic/index.js";

export { RevisionCounters, statusClass } from "../revision-counters.js";

type StatusClass = keyof RevisionStats["responses"];

/** Sums the snapshots of several workers, revision by revision. */
export function mergeStats(perWorker: RevisionStats[][]): RevisionStats[] {
  const merged = new Map<string, RevisionStats>();
  for (const list of perWorker) {
    for (const stats of list) {
      const seen = merged.get(stats.revision);
      if (!seen) {
        merged.set(stats.revision, structuredClone(stats));
        continue;
      }
      for (const key of Object.keys(seen.responses) as StatusClass[])
        seen.responses[key] += stats.responses[key];
      seen.inflight += stats.inflight;
      seen.latency.counts = seen.latency.counts.map((count, i) => count + (stats.latency.counts[i] ?? 0));
      seen.latency.sum += stats.latency.sum;
      seen.latency.count += stats.latency.count;
      seen.cutAtDrain = (seen.cutAtDrain ?? 0) + (stats.cutAtDrain ?? 0);
      seen.websockets = (seen.websockets ?? 0) + (stats.websockets ?? 0);
      seen.previews = (seen.previews ?? 0) + (stats.previews ?? 0);
      // A revision still active in one worker is active overall; draining beats drained.
      const rank = { active: 2, draining: 1, drained: 0 } as const;
      if (rank[stats.state ?? "active"] > rank[seen.state ?? "active"]) seen.state = stats.state;
    }
  }
  return [...merged.values()].sort(
    (a, b) => a.route.localeCompare(b.route) || a.revision.localeCompare(b.revision),
  );
}
