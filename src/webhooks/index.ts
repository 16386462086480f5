export { MemoryDeliveryLog } from "./deliveries.js";
export {
  DELIVERY_WINDOW_DEFAULTS,
  type WebhookDeliveryStore,
  type WebhookDeliveryWindow,
} from "../store/ports/webhook-delivery-store.js";
export {
  parseGitHubDelivery,
  PULL_REQUEST_ACTIONS,
  type ParsedDelivery,
  type PullRequestAction,
  type TriggerEvent,
} from "./events.js";
export {
  DELIVERY_HEADER,
  EVENT_HEADER,
  receiveGitHubDelivery,
  type IncomingDelivery,
  type WebhookOutcome,
} from "./receive.js";
export {
  SIGNATURE_HEADER,
  signGitHubPayload,
  verifyGitHubSignature,
  type SignatureCheck,
} from "./signature.js";
