/** One event sent to `POST /api/flags/events`. */
export type FlagEvent =
  | {
      kind: "exposure";
      flagKey: string;
      variant: string | null;
      reason: string;
      targetingKey: string | null;
      timestamp: string;
    }
  | {
      kind: "conversion";
      name: string;
      targetingKey: string | null;
      /** TrackingEventDetails: `value` and any custom attributes given to `track()`. */
      details: Record<string, unknown>;
      timestamp: string;
    };

export interface EventBatcherOptions {
  url: string;
  headers: Record<string, string>;
  /** Send as soon as this many events wait. */
  batchSize: number;
  /** Send what waits at least this often. */
  flushIntervalMs: number;
  /** Events kept while the receiver is unreachable; beyond it the oldest are dropped. */
  maxQueue: number;
  onError: (error: Error) => void;
}

/**
 * Queues events and POSTs them as `{ events: [...] }` in batches. A batch that cannot be delivered
 * goes back to the front of the queue for the next flush (bounded by maxQueue), so a receiver that
 * is briefly down loses nothing.
 */
export class EventBatcher {
  private queue: FlagEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  dropped = 0;

  constructor(private readonly options: EventBatcherOptions) {
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  add(event: FlagEvent): void {
    this.queue.push(event);
    const excess = this.queue.length - this.options.maxQueue;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.dropped += excess;
    }
    if (this.queue.length >= this.options.batchSize) void this.flush();
  }

  /** Sends everything queued now, one batch after another; resolves when done (or failed). */
  flush(): Promise<void> {
    this.sending = this.sending.then(() => this.sendAll());
    return this.sending;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async sendAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.batchSize);
      try {
        const res = await fetch(this.options.url, {
          method: "POST",
          headers: { ...this.options.headers, "content-type": "application/json" },
          body: JSON.stringify({ events: batch }),
        });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`POST ${this.options.url} answered ${res.status}`);
      } catch (error) {
        this.queue.unshift(...batch);
        this.options.onError(error instanceof Error ? error : new Error(String(error)));
        return;
      }
    }
  }
}
