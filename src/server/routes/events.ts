import { z } from "zod";
import { guardRequest } from "../../auth/guard.js";
import { credentialKeysOf } from "../../auth/revocations.js";
import { GLOBAL } from "../../core/access/can.js";
import { STREAMED, defineRoute, type ApiRoute } from "../api-route.js";
import type { HubEvent } from "../events-hub.js";

/** A comment line this often keeps proxies and browsers from closing an idle stream. */
export const SSE_HEARTBEAT_MS = 15_000;
/**
 * An open stream re-checks its credential this often, so one that ends outside this server's
 * access layer (expiry, another process revoking it in the database) stops within this bound.
 * Revocation and deletion through the API end streams at once (auth/revocations.ts).
 */
export const SSE_REAUTH_MS = 5_000;
/** A client this far behind is dropped; it reconnects with Last-Event-ID and catches up from the ring. */
const MAX_BUFFERED_BYTES = 1_000_000;

const frame = (event: HubEvent) =>
  `id: ${event.id}\nevent: change\ndata: ${JSON.stringify(event.change)}\n\n`;

/** `GET /api/events`: the live feed (controller changes, run changes) as server-sent events. */
export const eventRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/events",
    tag: "events",
    summary:
      "Live changes as server-sent events (event: change, data: a ControllerChange or { kind: 'run', run })",
    description:
      "Each event has an `id:`; reconnect with `Last-Event-ID` (or `?lastEventId=`) to receive what was missed " +
      "while it is still in the server's ring buffer, else an `event: reset` tells the client to reload. " +
      "A `: heartbeat` comment is sent every 15 s. The stream ends as soon as its token is revoked or its " +
      "user deleted, and within 5 s when its credential expires.",
    produces: "text/event-stream",
    query: z.object({ lastEventId: z.string().regex(/^\d+$/).optional() }),
    handler: ({ app, req, res, query, auth }) => {
      const header = req.headers["last-event-id"];
      const resumeFrom = Number((Array.isArray(header) ? header[0] : header) ?? query.lastEventId ?? NaN);
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
      // Replay and subscribe in the same tick: nothing can be published in between.
      if (Number.isInteger(resumeFrom) && resumeFrom >= 0) {
        const missed = app.events.since(resumeFrom);
        if (missed === undefined) send("event: reset\ndata: {}\n\n");
        else for (const event of missed) send(frame(event));
      }
      const unsubscribe = app.events.subscribe((event) => send(frame(event)));
      const heartbeat = setInterval(() => send(": heartbeat\n\n"), app.sseHeartbeatMs ?? SSE_HEARTBEAT_MS);
      heartbeat.unref();
      // The credential that opened the stream must still hold for every event it delivers.
      const end = () => res.end();
      const stopWatching = app.revocations.watch(credentialKeysOf(auth), end);
      const reauth = setInterval(() => {
        void guardRequest(
          { store: app.access },
          { method: "GET", headers: req.headers, action: "read", resource: GLOBAL },
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
      return STREAMED;
    },
  }),
];
