import { guardRequest } from "../auth/guard.js";
import { credentialKeysOf } from "../auth/revocations.js";
import type { Action } from "../core/access/actions.js";
import { GLOBAL } from "../core/access/can.js";
import type { RouteContext } from "./api-route.js";

/** A comment line this often keeps proxies and browsers from closing an idle stream. */
export const SSE_HEARTBEAT_MS = 15_000;
/**
 * An open stream re-checks its credential this often, so one that ends outside this server's
 * access layer (expiry, another process revoking it in the database) stops within this bound.
 * Revocation and deletion through the API end streams at once (auth/revocations.ts).
 */
export const SSE_REAUTH_MS = 5_000;
/** A client this far behind is dropped; it reconnects and catches up. */
const MAX_BUFFERED_BYTES = 1_000_000;

/**
 * Opens a server-sent-events stream that lives only as long as the credential that opened it still
 * allows `action`: heartbeats, at-once ending on revocation, periodic re-checks, and clean-up when
 * either side closes. `start` gets the stream's `send` (which drops a client too far behind) and
 * answers how to unsubscribe; it runs synchronously, so a replay and a subscription it does
 * together see every event.
 */
export function openEventStream(
  { app, req, res, auth }: Pick<RouteContext<unknown, unknown>, "app" | "req" | "res" | "auth">,
  action: Action,
  start: (send: (text: string) => void) => () => void,
): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write("retry: 2000\n: connected\n\n");
  const send = (text: string) => {
    if (res.writableEnded || res.destroyed) return;
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      res.destroy();
      return;
    }
    res.write(text);
  };
  const unsubscribe = start(send);
  const heartbeat = setInterval(() => send(": heartbeat\n\n"), app.sseHeartbeatMs ?? SSE_HEARTBEAT_MS);
  heartbeat.unref();
  // The credential that opened the stream must still hold for every event it delivers.
  const end = () => res.end();
  const stopWatching = app.revocations.watch(credentialKeysOf(auth), end);
  const reauth = setInterval(() => {
    void guardRequest(
      { store: app.access },
      { method: "GET", headers: req.headers, action, resource: GLOBAL },
      app.now(),
    ).then(
      (guard) => {
        if (!guard.ok) end();
      },
      () => end(),
    );
  }, app.sseReauthMs ?? SSE_REAUTH_MS);
  reauth.unref();
  const cleanUp = () => {
    clearInterval(heartbeat);
    clearInterval(reauth);
    stopWatching();
    unsubscribe();
  };
  res.once("close", cleanUp);
  req.once("close", cleanUp);
}
