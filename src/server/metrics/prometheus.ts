import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import { rollbackTrigger } from "../../core/delivery/rollback-trigger.js";
import type { Rollout } from "../../core/rollout/types.js";
import type { StoredEvent } from "../../store/ports/rollout-store.js";

/** What the controller tells its subscribers (RolloutController.subscribe, TEAM.md contract). */
export type MetricsChange = { kind: "event"; event: StoredEvent } | { kind: "rollout"; rollout: Rollout };

/** The part of the RolloutController the metrics listen to. */
export interface ChangeSource {
  subscribe(listener: (change: MetricsChange) => void): () => void;
}

/** One API request as the router saw it: the declared route pattern, never the raw URL (cardinality). */
export interface ApiRequestObservation {
  method: string;
  /** "/api/rollouts/:id"; "unmatched" for paths no route owns. */
  route: string;
  status: number;
  seconds: number;
}

/** Names and buckets of every metric the control plane exports (docs/metrics.md lists them). */
export const METRIC_NAMES = {
  rolloutsStarted: "slipway_rollouts_started_total",
  rolloutsFinished: "slipway_rollouts_finished_total",
  rolloutDuration: "slipway_rollout_duration_seconds",
  rollbacks: "slipway_rollbacks_total",
  analysisVerdicts: "slipway_analysis_verdicts_total",
  apiRequestDuration: "slipway_api_request_duration_seconds",
} as const;

/** Rollouts take seconds (a smoke test) to hours (a canary with manual pauses). */
const ROLLOUT_BUCKETS_S = [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600, 86_400];
/** API answers are meant to take ≤ 10 ms at p99 (issue 7); finer buckets at the low end. */
const API_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
/** Ids remembered to count each rollout and analysis once; the oldest are forgotten past this. */
const REMEMBER = 10_000;

const FINAL = new Set(["promoted", "rolled-back", "superseded", "failed"]);

/** The analysis records a rollout document carries (canary, TEAM.md), as far as verdicts go. */
interface AnalysisLike {
  id: string;
  finishedAt?: number;
  metrics: Array<{ name: string; state: { phase: string } }>;
}

/**
 * The control plane's Prometheus metrics, one registry per server (tests run several in one
 * process). Fed by the controller's changes, and by the API router through `observeRequest`.
 *
 * @example
 * const metrics = new ControlPlaneMetrics();
 * const stop = metrics.listen(controller);
 * router.onRequest = (o) => metrics.observeRequest(o);
 * res.end(await metrics.render());
 */
export class ControlPlaneMetrics {
  readonly registry = new Registry();
  private readonly started: Counter<"service" | "environment">;
  private readonly finished: Counter<"service" | "environment" | "result">;
  private readonly duration: Histogram<"environment" | "result">;
  private readonly rollbacks: Counter<"service" | "environment" | "trigger">;
  private readonly verdicts: Counter<"metric" | "verdict">;
  private readonly requests: Histogram<"method" | "route" | "status">;
  private readonly seen = new Remembered();
  private readonly decided = new Remembered();
  private readonly ended = new Remembered();
  private readonly analyses = new Remembered();
  private readonly unsubscribes: Array<() => void> = [];

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.started = new Counter({
      name: METRIC_NAMES.rolloutsStarted,
      help: "Rollouts created (deploys and rollbacks)",
      labelNames: ["service", "environment"],
      registers,
    });
    this.finished = new Counter({
      name: METRIC_NAMES.rolloutsFinished,
      help: "Rollouts that reached a final phase, by result (promoted, rolled-back, superseded, failed)",
      labelNames: ["service", "environment", "result"],
      registers,
    });
    this.duration = new Histogram({
      name: METRIC_NAMES.rolloutDuration,
      help: "Rollout creation to decision (promoted, rolled back, superseded or failed), in seconds",
      labelNames: ["environment", "result"],
      buckets: ROLLOUT_BUCKETS_S,
      registers,
    });
    this.rollbacks = new Counter({
      name: METRIC_NAMES.rollbacks,
      help: "Traffic taken back from a candidate, and `slipway rollback` redeploys, by trigger kind",
      labelNames: ["service", "environment", "trigger"],
      registers,
    });
    this.verdicts = new Counter({
      name: METRIC_NAMES.analysisVerdicts,
      help: "Finished analysis metric runs, by metric name and verdict",
      labelNames: ["metric", "verdict"],
      registers,
    });
    this.requests = new Histogram({
      name: METRIC_NAMES.apiRequestDuration,
      help: "Control-plane API requests by method, declared route and status, in seconds",
      labelNames: ["method", "route", "status"],
      buckets: API_BUCKETS_S,
      registers,
    });
  }

  /** Listens to the controller's changes until the returned function (or `close`) is called. */
  listen(source: ChangeSource): () => void {
    const off = source.subscribe((change) => this.onChange(change));
    this.unsubscribes.push(off);
    return off;
  }

  /** One controller change; exposed for callers that already have a feed. */
  onChange(change: MetricsChange): void {
    if (change.kind === "event") this.onEvent(change.event);
    else this.onRollout(change.rollout);
  }

  observeRequest(o: ApiRequestObservation): void {
    this.requests.observe({ method: o.method, route: o.route, status: String(o.status) }, o.seconds);
  }

  /** Prometheus text exposition of every metric, with its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  close(): void {
    for (const off of this.unsubscribes.splice(0)) off();
    this.registry.clear();
  }

  private onEvent(event: StoredEvent): void {
    const scope = { service: event.service ?? "", environment: event.environment ?? "" };
    if (event.type === "rollout.created") this.started.inc(scope);
    // Controller- or user-triggered: traffic went back to the stable revision.
    if (event.type === "rollout.rollback") {
      this.rollbacks.inc({ ...scope, trigger: rollbackTrigger(event.reason ?? event.message) });
    }
  }

  private onRollout(rollout: Rollout): void {
    const scope = { service: rollout.service, environment: rollout.environment };
    // `slipway rollback` redeploying an older version is a rollout of kind "rollback".
    if (rollout.kind === "rollback" && rollout.phase === "pending" && this.seen.add(rollout.id)) {
      this.rollbacks.inc({ ...scope, trigger: rollbackTrigger(rollout.reason ?? "manual rollback") });
    }
    if (rollout.outcome && this.decided.add(rollout.id)) {
      const seconds = Math.max(0, (rollout.phaseSince - rollout.createdAt) / 1000);
      this.duration.observe({ environment: rollout.environment, result: rollout.outcome }, seconds);
    }
    if (FINAL.has(rollout.phase) && this.ended.add(rollout.id)) {
      this.finished.inc({ ...scope, result: rollout.phase });
    }
    for (const record of (rollout as { analysis?: AnalysisLike[] }).analysis ?? []) {
      if (record.finishedAt === undefined || !this.analyses.add(`${rollout.id}/${record.id}`)) continue;
      for (const metric of record.metrics) {
        if (metric.state.phase === "running") continue;
        this.verdicts.inc({ metric: metric.name, verdict: metric.state.phase });
      }
    }
  }
}

/** A bounded set: `add` answers true the first time it sees a key. */
class Remembered {
  private readonly keys = new Set<string>();

  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > REMEMBER) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return true;
  }
}
