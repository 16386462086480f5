export {
  DELIVERY_WINDOW_DEFAULTS,
  MemoryDeliveryLog,
  type DeliveryLog,
  type MemoryDeliveryLogOptions,
} from "./deliveries.js";
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
