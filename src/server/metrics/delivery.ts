import { DAY_MS, deliveryMetrics } from "../../core/delivery/compute.js";
import { DELIVERY_WINDOW_DAYS } from "../../core/delivery/defaults.js";
import type { DeliveryReport } from "../../core/delivery/types.js";
import type { DeliveryMetricsStore } from "../../store/ports/delivery-metrics-store.js";

/**
 * `GET /api/metrics/delivery` and `slipway report`: reads the rollouts that may matter for the
 * window from the Store and computes the delivery metrics (src/core/delivery).
 *
 * @example await deliveryReport(store.deliveryMetrics, { environment: "production", days: 7 }, Date.now())
 */
export async function deliveryReport(
  history: DeliveryMetricsStore,
  query: { environment?: string | undefined; days?: number | undefined },
  now: number,
): Promise<DeliveryReport> {
  const days = query.days ?? DELIVERY_WINDOW_DAYS;
  const environment = query.environment ? { environment: query.environment } : {};
  const facts = await history.rolloutFacts({ since: now - days * DAY_MS, ...environment });
  return deliveryMetrics(facts, { now, days, ...environment });
}
