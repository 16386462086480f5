import type {
  CandidateHealth,
  Observations,
  Rollout,
  SmokeStatus,
  StatsSample,
} from "../core/rollout/types.js";
import type { RevisionStats } from "../core/traffic/index.js";
import type { Runtime } from "../runtimes/port.js";

/**
 * Gathers what `nextAction` needs: the runtime's view of the candidate and of the revision being
 * retired, and a short history of the proxy's per-revision counters (kept in memory: a restarted
 * controller starts its windows afresh, which can only delay a verdict, never invent one).
 */
export class Observer {
  private readonly samples = new Map<string, StatsSample[]>();
  private latest = new Map<string, RevisionStats>();

  constructor(
    private readonly runtime: Runtime,
    private readonly keepMs: number,
  ) {}

  /** Record one stats reading for every revision the proxy reports. */
  record(stats: RevisionStats[], now: number): void {
    const byRevision = new Map<string, RevisionStats>();
    for (const s of stats) {
      const prev = byRevision.get(s.revision);
      byRevision.set(s.revision, prev ? sumStats(prev, s) : s);
    }
    this.latest = byRevision;
    for (const [revision, s] of byRevision) {
      const list = this.samples.get(revision) ?? [];
      list.push({
        at: now,
        total:
          s.responses["1xx"] +
          s.responses["2xx"] +
          s.responses["3xx"] +
          s.responses["4xx"] +
          s.responses["5xx"],
        errors5xx: s.responses["5xx"],
        latency: { bucketsMs: s.latency.bucketsMs, counts: s.latency.counts, count: s.latency.count },
      });
      while (list.length > 2 && (list[0]?.at ?? now) < now - this.keepMs) list.shift();
      this.samples.set(revision, list);
    }
  }

  observe(
    rollout: Rollout,
    smoke: SmokeStatus | undefined,
    candidate: { replicas: number; failureThreshold: number },
  ): Observations {
    const retire = rollout.retire;
    return {
      candidate: this.health(rollout.candidate.id, candidate.replicas, candidate.failureThreshold),
      ...(retire
        ? {
            retiring: {
              inflight: this.latest.get(retire.id)?.inflight ?? 0,
              instances: this.runtime.instances(retire.id).filter((i) => i.state !== "stopped").length,
            },
          }
        : {}),
      ...(smoke ? { smoke } : {}),
      candidateSamples: this.samples.get(rollout.candidate.id) ?? [],
      stableSamples: rollout.stable ? (this.samples.get(rollout.stable.id) ?? []) : [],
    };
  }

  health(revisionId: string, desired: number, failureThreshold: number): CandidateHealth {
    const instances = this.runtime.instances(revisionId);
    const withError = instances.find((i) => i.lastError);
    // An "unready" instance has failed its probe failureThreshold times in a row (default 3, seed 001).
    const unready = instances.filter((i) => i.state === "unready").length;
    return {
      desired,
      ready: instances.filter((i) => i.state === "ready").length,
      crashed: instances.filter((i) => i.state === "crashed").length,
      restarts: instances.reduce((sum, i) => sum + i.restarts, 0),
      consecutiveHealthFailures: unready > 0 ? failureThreshold : 0,
      ...(withError?.lastError ? { lastError: withError.lastError } : {}),
    };
  }

  /** The proxy samples kept for a revision, oldest first (the post-promotion watch reads the live one's). */
  samplesOf(revisionId: string): StatsSample[] {
    return this.samples.get(revisionId) ?? [];
  }

  forget(revisionId: string): void {
    this.samples.delete(revisionId);
  }
}

function sumStats(a: RevisionStats, b: RevisionStats): RevisionStats {
  const responses = { ...a.responses };
  for (const k of Object.keys(responses) as Array<keyof typeof responses>) responses[k] += b.responses[k];
  return {
    ...a,
    responses,
    inflight: a.inflight + b.inflight,
    latency: {
      bucketsMs: a.latency.bucketsMs,
      counts: a.latency.counts.map((c, i) => c + (b.latency.counts[i] ?? 0)),
      sum: a.latency.sum + b.latency.sum,
      count: a.latency.count + b.latency.count,
    },
  };
}
