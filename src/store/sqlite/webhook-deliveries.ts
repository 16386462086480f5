import {
  DELIVERY_WINDOW_DEFAULTS,
  type WebhookDeliveryStore,
  type WebhookDeliveryWindow,
} from "../ports/webhook-delivery-store.js";
import type { SqliteDatabase } from "./database.js";

/** SQLite adapter of the WebhookDeliveryStore port (table from migration 005): survives restarts. */
export class SqliteWebhookDeliveryStore implements WebhookDeliveryStore {
  private readonly maxEntries: number;
  private readonly windowMs: number;

  constructor(
    private readonly db: SqliteDatabase,
    options: WebhookDeliveryWindow = {},
  ) {
    this.maxEntries = options.maxEntries ?? DELIVERY_WINDOW_DEFAULTS.maxEntries;
    this.windowMs = options.windowMs ?? DELIVERY_WINDOW_DEFAULTS.windowMs;
  }

  firstSeen(id: string, now: number): Promise<boolean> {
    // One transaction: two server processes receiving the same redelivery cannot both see it first.
    const first = this.db
      .transaction(() => {
        this.db.prepare("DELETE FROM webhook_deliveries WHERE seen_at <= ?").run(now - this.windowMs);
        const inserted = this.db
          .prepare("INSERT OR IGNORE INTO webhook_deliveries (id, seen_at) VALUES (?, ?)")
          .run(id, now).changes;
        this.db
          .prepare(
            "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries ORDER BY seen_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
          )
          .run(this.maxEntries);
        return inserted === 1;
      })
      .immediate();
    return Promise.resolve(first);
  }

  forget(id: string): Promise<void> {
    this.db.prepare("DELETE FROM webhook_deliveries WHERE id = ?").run(id);
    return Promise.resolve();
  }
}
