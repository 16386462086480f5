/**
 * Remembers delivery ids (`X-GitHub-Delivery`) so a redelivered or replayed webhook triggers
 * nothing twice. A port, so the server can keep the window in the Store and survive restarts.
 */
export interface DeliveryLog {
  /** Records `id` and answers true the first time it is seen inside the window, false after. */
  firstSeen(id: string, now: number): Promise<boolean>;
  /** Forgets `id`, so a delivery whose handling failed can be retried by GitHub's redelivery. */
  forget(id: string): Promise<void>;
}

export interface MemoryDeliveryLogOptions {
  /** Most ids kept; the oldest goes first. Default 10 000. */
  maxEntries?: number;
  /** How long an id is remembered, ms. Default 72 h (GitHub's manual redelivery covers 3 days). */
  windowMs?: number;
}

export const DELIVERY_WINDOW_DEFAULTS = { maxEntries: 10_000, windowMs: 72 * 3_600_000 } as const;

/** A bounded in-memory window; forgets everything on restart. */
export class MemoryDeliveryLog implements DeliveryLog {
  private readonly seen = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly windowMs: number;

  constructor(options: MemoryDeliveryLogOptions = {}) {
    this.maxEntries = options.maxEntries ?? DELIVERY_WINDOW_DEFAULTS.maxEntries;
    this.windowMs = options.windowMs ?? DELIVERY_WINDOW_DEFAULTS.windowMs;
  }

  firstSeen(id: string, now: number): Promise<boolean> {
    // Map keeps insertion order, so expired ids are at the front.
    for (const [key, at] of this.seen) {
      if (now - at < this.windowMs) break;
      this.seen.delete(key);
    }
    if (this.seen.has(id)) return Promise.resolve(false);
    this.seen.set(id, now);
    while (this.seen.size > this.maxEntries) {
      const oldest = this.seen.keys().next();
      if (oldest.done) break;
      this.seen.delete(oldest.value);
    }
    return Promise.resolve(true);
  }

  forget(id: string): Promise<void> {
    this.seen.delete(id);
    return Promise.resolve();
  }

  get size(): number {
    return this.seen.size;
  }
}
