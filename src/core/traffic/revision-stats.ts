/**
 * A data plane's running totals for one revision on one route (the built-in proxy: `GET /v1/stats`
 * on its admin API). Read through the TrafficRouter port (src/traffic/port.ts) by the analysis.
 */
export interface RevisionStats {
  revision: string;
  route: string;
  /**
   * Requests finished, by status class ("2xx", "3xx", "4xx", "5xx"); errors the data plane generates count
   * too. Preview requests are not in here (nor in `latency`): they are testers, not the public.
   */
  responses: Record<"1xx" | "2xx" | "3xx" | "4xx" | "5xx", number>;
  /** Requests currently in flight (the control plane waits for 0 before stopping a drained revision). */
  inflight: number;
  /** Exact latency histogram in milliseconds: cumulative counts per upper bound, Prometheus-style. */
  latency: { bucketsMs: number[]; counts: number[]; sum: number; count: number };
  /**
   * Optional additions (the built-in proxy always sends them; older readers may ignore them):
   * "active" while the revision is in the table, "draining" after it left it with requests still in
   * flight, "drained" once those finished or were cut.
   */
  state?: "active" | "draining" | "drained";
  /** Requests still running at the drain deadline, cut with 504 (they are also in responses["5xx"]). */
  cutAtDrain?: number;
  /** Open WebSocket connections (not counted in `inflight`; closed at once when the revision drains). */
  websockets?: number;
  /** Preview requests finished (signed `x-slipway-revision`), kept apart from `responses`. */
  previews?: number;
}

/** Upper bounds (ms) of every data plane's latency histogram, so providers' numbers compare. */
export const LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];

type StatusClass = keyof RevisionStats["responses"];

/** Sums the snapshots of several workers (or several hosts), revision by revision. */
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
