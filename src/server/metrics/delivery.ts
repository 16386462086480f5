import { DAY_MS, deliveryMetrics } from "../../core/delivery/compute.js";
import { DELIVERY_WINDOW_DAYS } from "../../core/delivery/defaults.js";
import type { DeliveryHistory, DeliveryReport } from "../../core/delivery/types.js";

/**
 * `GET /api/metrics/delivery` and `slipway report`: reads the rollouts that may matter for the
 * window from the history port and computes the delivery metrics (src/core/delivery).
 *
 * @example deliveryReport(new SqliteDeliveryHistory(db), { environment: "production", days: 7 }, Date.now())
 */
export function deliveryReport(
  history: DeliveryHistory,
  query: { environment?: string | undefined; days?: number | undefined },
  now: number,
): DeliveryReport {
  const days = query.days ?? DELIVERY_WINDOW_DAYS;
  const environment = query.environment ? { environment: query.environment } : {};
  const facts = history.rolloutFacts({ since: now - days * DAY_MS, ...environment });
  return deliveryMetrics(facts, { now, days, ...environment });
}
