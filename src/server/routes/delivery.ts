import { z } from "zod";
import { DELIVERY_MAX_DAYS } from "../../core/delivery/defaults.js";
import { defineRoute, STREAMED, type ApiReply, type ApiRoute } from "../api-route.js";
import { controlPlaneMetrics } from "../metrics/app.js";
import { deliveryReport } from "../metrics/delivery.js";

const deliveryQuery = z.object({
  environment: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' or '-'")
    .optional()
    .describe("Only this environment (default: every environment with rollouts)"),
  days: z
    .string()
    .regex(/^[1-9][0-9]*$/, "a whole number of days")
    .refine((v) => !/^[0-9]+$/.test(v) || Number(v) <= DELIVERY_MAX_DAYS, `at most ${DELIVERY_MAX_DAYS} days`)
    .optional()
    .describe("Window length in days, ending now (default 30)"),
});

/** Delivery metrics (DORA) and the Prometheus exposition (docs/metrics.md). */
export const deliveryRoutes: ApiRoute[] = [
  defineRoute<undefined, z.output<typeof deliveryQuery>>({
    method: "GET",
    path: "/api/metrics/delivery",
    tag: "metrics",
    summary: "Deployment frequency, lead time, change failure rate and time to restore per environment",
    query: deliveryQuery,
    handler: async ({ app, query }) => ({
      status: 200,
      body: await deliveryReport(
        app.store.deliveryMetrics,
        { environment: query.environment, days: query.days === undefined ? undefined : Number(query.days) },
        app.now(),
      ),
    }),
  }),
  defineRoute({
    method: "GET",
    path: "/metrics",
    tag: "metrics",
    summary: "The control plane's Prometheus metrics (text exposition; the server listens on loopback)",
    produces: "text/plain",
    handler: async ({ app, res }): Promise<ApiReply> => {
      const { contentType, text } = await controlPlaneMetrics(app).render();
      res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
      res.end(text);
      return STREAMED;
    },
  }),
];
