/** Control-plane metrics: Prometheus exposition (GET /metrics) and the delivery report. */
export {
  ControlPlaneMetrics,
  METRIC_NAMES,
  type ApiRequestObservation,
  type ChangeSource,
  type MetricsChange,
} from "./prometheus.js";
export { controlPlaneMetrics, observeApiRequest, routeLabel, withRequestMetrics } from "./app.js";
export { deliveryReport } from "./delivery.js";
