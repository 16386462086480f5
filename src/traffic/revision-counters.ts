import { LATENCY_BUCKETS_MS, type RevisionStats } from "../core/traffic/index.js";

type StatusClass = keyof RevisionStats["responses"];

export function statusClass(status: number): StatusClass {
  if (status < 200) return "1xx";
  if (status < 300) return "2xx";
  if (status < 400) return "3xx";
  if (status < 500) return "4xx";
  return "5xx";
}

/**
 * Counters for one revision in one process, cheap to update on the hot path; every data plane feeds
 * them (the built-in proxy per request, HAProxy from its request log) so both report alike.
 */
export class RevisionCounters {
  readonly responses: Record<StatusClass, number> = { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 };
  /** Per bucket (not cumulative) counts, plus one for +Inf. */
  private readonly buckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  private sum = 0;
  private count = 0;
  cutAtDrain = 0;
  /** Preview requests finished: never in `responses` or the latency, which feed the analysis. */
  previews = 0;

  constructor(
    readonly revision: string,
    readonly route: string,
  ) {}

  record(status: number, elapsedMs: number): void {
    this.responses[statusClass(status)]++;
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && elapsedMs > (LATENCY_BUCKETS_MS[i] ?? Infinity)) i++;
    this.buckets[i] = (this.buckets[i] ?? 0) + 1;
    this.sum += elapsedMs;
    this.count++;
  }

  snapshot(extra: {
    inflight: number;
    /** Open WebSockets, where the data plane counts them. */
    websockets?: number;
    state: NonNullable<RevisionStats["state"]>;
  }): RevisionStats {
    const counts: number[] = [];
    let running = 0;
    for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
      running += this.buckets[i] ?? 0;
      counts.push(running);
    }
    return {
      revision: this.revision,
      route: this.route,
      responses: { ...this.responses },
      inflight: extra.inflight,
      latency: { bucketsMs: [...LATENCY_BUCKETS_MS], counts, sum: this.sum, count: this.count },
      state: extra.state,
      cutAtDrain: this.cutAtDrain,
      ...(extra.websockets !== undefined && { websockets: extra.websockets }),
      previews: this.previews,
    };
  }
}
