import {
  DELIVERY_WINDOW_DEFAULTS,
  type WebhookDeliveryStore,
  type WebhookDeliveryWindow,
} from "../ports/webhook-delivery-store.js";
import type { PostgresDatabase } from "./database.js";

/** PostgreSQL adapter of the WebhookDeliveryStore port (table from migration 5): survives restarts. */
export class PostgresWebhookDeliveryStore implements WebhookDeliveryStore {
  private readonly maxEntries: number;
  private readonly windowMs: number;

  constructor(
    private readonly db: PostgresDatabase,
    options: WebhookDeliveryWindow = {},
  ) {
    this.maxEntries = options.maxEntries ?? DELIVERY_WINDOW_DEFAULTS.maxEntries;
    this.windowMs = options.windowMs ?? DELIVERY_WINDOW_DEFAULTS.windowMs;
  }

  firstSeen(id: string, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.run("DELETE FROM webhook_deliveries WHERE seen_at <= $1", [now - this.windowMs]);
      // ON CONFLICT DO NOTHING waits for a concurrent insert of the same id: one of two servers
      // receiving the same redelivery sees it first.
      const inserted = await tx.run(
        "INSERT INTO webhook_deliveries (id, seen_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        [id, now],
      );
      await tx.run(
        `DELETE FROM webhook_deliveries WHERE id IN
           (SELECT id FROM webhook_deliveries ORDER BY seen_at DESC, seq DESC OFFSET $1)`,
        [this.maxEntries],
      );
      return inserted === 1;
    });
  }

  async forget(id: string): Promise<void> {
    await this.db.run("DELETE FROM webhook_deliveries WHERE id = $1", [id]);
  }
}
