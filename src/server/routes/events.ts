import { z } from "zod";
import { STREAMED, defineRoute, type ApiRoute } from "../api-route.js";
import { openEventStream } from "../event-stream.js";
import type { HubEvent } from "../events-hub.js";

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
      openEventStream({ app, req, res, auth }, "read", (send) => {
        // Replay and subscribe in the same tick: nothing can be published in between.
        if (Number.isInteger(resumeFrom) && resumeFrom >= 0) {
          const missed = app.events.since(resumeFrom);
          if (missed === undefined) send("event: reset\ndata: {}\n\n");
          else for (const event of missed) send(frame(event));
        }
        return app.events.subscribe((event) => send(frame(event)));
      });
      return STREAMED;
    },
  }),
];
