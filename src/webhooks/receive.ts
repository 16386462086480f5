import type { WebhookDeliveryStore } from "../store/ports/webhook-delivery-store.js";
import { parseGitHubDelivery, type TriggerEvent } from "./events.js";
import { SIGNATURE_HEADER, verifyGitHubSignature } from "./signature.js";

export const EVENT_HEADER = "x-github-event";
export const DELIVERY_HEADER = "x-github-delivery";

/** The events Slipway acts on; a webhook subscribed to others gets a 400 naming these. */
export const HANDLED_EVENTS = ["push", "pull_request", "ping"] as const;

/** Everything the HTTP layer needs to answer a delivery; `status` is the response status. */
export type WebhookOutcome =
  | { outcome: "accepted"; status: 202; event: TriggerEvent }
  | { outcome: "ignored"; status: 202; deliveryId: string; reason: string }
  | { outcome: "duplicate"; status: 200; deliveryId: string }
  | { outcome: "rejected"; status: 400 | 401; reason: string };

export interface IncomingDelivery {
  /** Lower-cased header names, as node:http gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The exact bytes received. */
  body: Buffer;
}

const header = (headers: IncomingDelivery["headers"], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  const text = body.toString("utf8");
  // GitHub can be set to send `application/x-www-form-urlencoded` with the JSON in `payload`.
  if (contentType?.startsWith("application/x-www-form-urlencoded")) {
    const payload = new URLSearchParams(text).get("payload");
    if (payload === null) throw new Error("form body has no payload field");
    return JSON.parse(payload);
  }
  return JSON.parse(text);
}

/**
 * Verifies, deduplicates and parses one GitHub delivery. The signature is checked before anything
 * else is read, so an unsigned request can neither fill the dedupe window nor reach the parser.
 * Reasons never include the secret or the expected signature.
 *
 * @example
 * const result = await receiveGitHubDelivery({ headers: req.headers, body }, { secrets: [secret], deliveries, now: Date.now() });
 * res.writeHead(result.status).end(JSON.stringify(result.outcome === "rejected" ? { error: result.reason } : {}));
 */
export async function receiveGitHubDelivery(
  delivery: IncomingDelivery,
  options: { secrets: readonly string[]; deliveries: WebhookDeliveryStore; now: number },
): Promise<WebhookOutcome> {
  const signature = verifyGitHubSignature(
    options.secrets,
    delivery.body,
    header(delivery.headers, SIGNATURE_HEADER),
  );
  if (!signature.ok) {
    const reason = {
      missing: `the ${SIGNATURE_HEADER} header is missing`,
      malformed: `the ${SIGNATURE_HEADER} header is not sha256=<64 hex digits>`,
      mismatch: "the signature does not match the body under the configured secret",
    }[signature.reason];
    return { outcome: "rejected", status: 401, reason };
  }
  const deliveryId = header(delivery.headers, DELIVERY_HEADER)?.trim();
  if (!deliveryId)
    return { outcome: "rejected", status: 400, reason: `the ${DELIVERY_HEADER} header is missing` };
  const eventName = header(delivery.headers, EVENT_HEADER)?.trim();
  if (!eventName)
    return { outcome: "rejected", status: 400, reason: `the ${EVENT_HEADER} header is missing` };

  if (!(HANDLED_EVENTS as readonly string[]).includes(eventName)) {
    return {
      outcome: "rejected",
      status: 400,
      reason: `event ${eventName} is not handled: Slipway acts on ${HANDLED_EVENTS.join(", ")} (untick the others in the webhook's settings)`,
    };
  }
  let payload: unknown;
  try {
    payload = decodeBody(delivery.body, header(delivery.headers, "content-type"));
  } catch (error) {
    return { outcome: "rejected", status: 400, reason: `the body is not JSON: ${(error as Error).message}` };
  }
  const parsed = parseGitHubDelivery(eventName, deliveryId, payload);
  if (parsed.outcome === "invalid") return { outcome: "rejected", status: 400, reason: parsed.reason };
  // Only well-formed, signed deliveries enter the window; a replay of one is answered 200, as GitHub
  // treats any 2xx as delivered and stops retrying.
  if (!(await options.deliveries.firstSeen(deliveryId, options.now))) {
    return { outcome: "duplicate", status: 200, deliveryId };
  }
  if (parsed.outcome === "ignored")
    return { outcome: "ignored", status: 202, deliveryId, reason: parsed.reason };
  return { outcome: "accepted", status: 202, event: parsed.event };
}
