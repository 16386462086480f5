/**
 * Every response the proxy makes up itself, in one place (as kamal-proxy's handleProxyError):
 * the cause decides the status, so tests, docs and the control plane's analysis agree on them.
 */
export type ProxyFailure =
  | "unforwardable" // a request Node accepts but the upstream client cannot send (OPTIONS *)
  | "no-route" // no route for this host and path
  | "no-instance" // the revision has no instance that is not ejected (or no weight anywhere)
  | "circuit-open" // maxConnections reached on every instance and maxPending requests already queued
  | "upstream-error" // connection refused/reset, bad response
  | "timeout" // no response headers within the per-try timeout
  | "drain-cut" // still running when its revision's drain timeout passed
  | "client-gone"; // the client went away first (logged, nothing sent)

export function failureStatus(failure: ProxyFailure): number {
  switch (failure) {
    case "unforwardable":
      return 400;
    case "no-route":
      return 404;
    case "no-instance":
    case "circuit-open":
      return 503;
    case "upstream-error":
      return 502;
    case "timeout":
    case "drain-cut":
      return 504;
    case "client-gone":
      return 499;
    default: {
      const unreachable: never = failure;
      return unreachable;
    }
  }
}

const TEXT: Record<ProxyFailure, string> = {
  unforwardable: "slipway: this request cannot be forwarded\n",
  "no-route": "slipway: no route for this host and path\n",
  "no-instance": "slipway: no healthy instance\n",
  "circuit-open": "slipway: too many requests in flight\n",
  "upstream-error": "slipway: upstream error\n",
  timeout: "slipway: upstream timed out\n",
  "drain-cut": "slipway: cut at the end of the revision's drain\n",
  "client-gone": "",
};

export function failureBody(failure: ProxyFailure): string {
  return TEXT[failure];
}
