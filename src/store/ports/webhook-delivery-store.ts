/**
 * Remembers webhook delivery ids (`X-GitHub-Delivery`) so a redelivered or replayed webhook
 * triggers nothing twice; in the Store, the window survives restarts.
 */
export interface WebhookDeliveryStore {
  /** Records `id` and answers true the first time it is seen inside the window, false after. */
  firstSeen(id: string, now: number): Promise<boolean>;
  /** Forgets `id`, so a delivery whose handling failed can be retried by GitHub's redelivery. */
  forget(id: string): Promise<void>;
}

/** How long and how many ids the window keeps. */
export interface WebhookDeliveryWindow {
  /** Most ids kept; the oldest goes first. Default 10 000. */
  maxEntries?: number;
  /** How long an id is remembered, ms. Default 72 h (GitHub's manual redelivery covers 3 days). */
  windowMs?: number;
}

export const DELIVERY_WINDOW_DEFAULTS = { maxEntries: 10_000, windowMs: 72 * 3_600_000 } as const;
