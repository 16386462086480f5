import {
  DELIVERY_WINDOW_DEFAULTS,
  type WebhookDeliveryStore,
  type WebhookDeliveryWindow,
} from "../store/ports/webhook-delivery-store.js";

/** A bounded in-memory window; forgets everything on restart. */
export class MemoryDeliveryLog implements WebhookDeliveryStore {
  private readonly seen = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly windowMs: number;

  constructor(options: WebhookDeliveryWindow = {}) {
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
