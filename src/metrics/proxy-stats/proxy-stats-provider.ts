import type { MetricSample } from "../../core/analysis/sample.js";
import type { RevisionStats } from "../../core/traffic/index.js";
import { MetricQueryError, type MetricProvider, type MetricWindow, type TemplateVars } from "../provider.js";
import type { RevisionStatsSource } from "../../traffic/port.js";
import { statsDelta } from "./stats-delta.js";

/** Where the per-revision counters come from: the TrafficRouter port (or a test double). */
export type { RevisionStatsSource };

export interface ProxyStatsSpec {
  provider: "proxy";
  /** `vars.revision` names the revision id, e.g. "web/production@v3". */
  vars: TemplateVars;
}

interface Snapshot {
  at: number;
  stats: RevisionStats;
}

/**
 * The proxy's own per-revision metrics: request counts by status class and a latency histogram.
 * The proxy only keeps running totals, so this provider remembers timestamped snapshots and
 * answers for a window with the difference between the snapshot taken at (or just before) its
 * start and a fresh one. Call `observe()` when a window opens (e.g. an analysis step starts) so
 * canary and stable are compared over exactly the same span. Without an earlier snapshot the
 * sample covers everything since the revision entered the proxy, and its `source` says so.
 */
export class ProxyStatsProvider implements MetricProvider<ProxyStatsSpec> {
  private readonly history = new Map<string, Snapshot[]>();

  constructor(
    private readonly source: RevisionStatsSource,
    private readonly now: () => number = Date.now,
    /** Snapshots older than this are forgotten. */
    private readonly historyMs = 3_600_000,
  ) {}

  /** Snapshot every revision's counters now. */
  async observe(): Promise<void> {
    const at = this.now();
    for (const stats of await this.source.stats()) this.remember(stats, at);
  }

  async query(spec: ProxyStatsSpec, window: MetricWindow): Promise<MetricSample> {
    const revision = spec.vars.revision;
    if (!revision)
      throw new MetricQueryError("bad-spec", "proxy metrics need vars.revision (the revision id)");
    let all: RevisionStats[];
    try {
      all = await this.source.stats();
    } catch (error) {
      throw new MetricQueryError("unreachable", `proxy stats unavailable: ${(error as Error).message}`);
    }
    const at = this.now();
    const current = all.find((s) => s.revision === revision);
    const earlier = this.baseline(revision, window.startMs);
    for (const stats of all) this.remember(stats, at);
    if (!current) {
      // The revision is not in the route table (no traffic can reach it): an empty window.
      return {
        values: [],
        series: [],
        window: { startMs: window.startMs, endMs: at },
        requests: { total: 0, errors: 0 },
        source: `proxy stats for ${revision} (not in the route table)`,
      };
    }
    const delta = statsDelta(earlier?.stats, current);
    const since = earlier
      ? `since ${new Date(earlier.at).toISOString()}`
      : "since the revision entered the proxy";
    return {
      values: [],
      series: [],
      window: { startMs: earlier?.at ?? window.startMs, endMs: at },
      requests: delta.requests,
      latency: delta.latency,
      source: `proxy stats for ${revision} ${since}`,
    };
  }

  /** The latest snapshot at or before `startMs`, else the oldest one after it. */
  private baseline(revision: string, startMs: number): Snapshot | undefined {
    const snaps = this.history.get(revision) ?? [];
    let best: Snapshot | undefined;
    for (const s of snaps) if (s.at <= startMs) best = s;
    return best ?? snaps[0];
  }

  private remember(stats: RevisionStats, at: number): void {
    const snaps = (this.history.get(stats.revision) ?? []).filter((s) => s.at >= at - this.historyMs);
    snaps.push({ at, stats: structuredClone(stats) });
    this.history.set(stats.revision, snaps);
  }
}
