import type { RevisionStats } from "../../core/traffic/index.js";
import type { CumulativeHistogram } from "../../core/analysis/stats/descriptive.js";

export interface StatsDelta {
  requests: { total: number; errors: number };
  latency: CumulativeHistogram;
}

const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/**
 * What happened between two snapshots of a revision's cumulative proxy counters. Without a
 * `before`, everything since the revision entered the proxy. A counter that went down means the
 * proxy restarted; as Prometheus does for counter resets, the later value is taken as the increase.
 */
export function statsDelta(before: RevisionStats | undefined, after: RevisionStats): StatsDelta {
  const reset =
    before !== undefined &&
    (after.latency.count < before.latency.count ||
      CLASSES.some((c) => after.responses[c] < before.responses[c]));
  const base = reset ? undefined : before;
  const diff = (a: number, b: number | undefined) => Math.max(0, a - (b ?? 0));
  const sameBuckets =
    base !== undefined &&
    base.latency.bucketsMs.length === after.latency.bucketsMs.length &&
    base.latency.bucketsMs.every((b, i) => b === after.latency.bucketsMs[i]);
  const effective = sameBuckets ? base : undefined;
  const total = CLASSES.reduce((sum, c) => sum + diff(after.responses[c], base?.responses[c]), 0);
  return {
    requests: { total, errors: diff(after.responses["5xx"], base?.responses["5xx"]) },
    latency: {
      bucketsMs: [...after.latency.bucketsMs],
      counts: after.latency.counts.map((c, i) => diff(c, effective?.latency.counts[i])),
      sum: Math.max(0, after.latency.sum - (effective?.latency.sum ?? 0)),
      count: diff(after.latency.count, effective?.latency.count),
    },
  };
}
