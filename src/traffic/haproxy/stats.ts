import { LATENCY_BUCKETS_MS, type RevisionStats } from "../../core/traffic/index.js";

type StatusClass = keyof RevisionStats["responses"];

function statusClass(status: number): StatusClass {
  if (status < 200) return "1xx";
  if (status < 300) return "2xx";
  if (status < 400) return "3xx";
  if (status < 500) return "4xx";
  return "5xx";
}

/** One revision's running totals, fed by HAProxy's request log (log-collector.ts). */
export class RevisionTotals {
  readonly responses: Record<StatusClass, number> = { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 };
  /** Per bucket (not cumulative), plus one for +Inf. */
  private readonly buckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  private sum = 0;
  private count = 0;
  cutAtDrain = 0;
  previews = 0;

  constructor(
    readonly revision: string,
    readonly route: string,
  ) {}

  record(status: number, elapsedMs: number): void {
    // A request HAProxy answered without a status (client gone before the response) counts as 5xx,
    // as the built-in proxy counts its own failures.
    this.responses[status > 0 ? statusClass(status) : "5xx"]++;
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && elapsedMs > (LATENCY_BUCKETS_MS[i] ?? Infinity)) i++;
    this.buckets[i] = (this.buckets[i] ?? 0) + 1;
    this.sum += elapsedMs;
    this.count++;
  }

  snapshot(extra: { inflight: number; state: NonNullable<RevisionStats["state"]> }): RevisionStats {
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
      previews: this.previews,
    };
  }
}
