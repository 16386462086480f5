import type { IncomingMessage, ServerResponse } from "node:http";
import { matchRoute } from "../../core/access/routes.js";
import type { AppContext } from "../app-context.js";
import { ControlPlaneMetrics, type ApiRequestObservation, type ChangeSource } from "./prometheus.js";

const SINGLETON = "metrics:prometheus";
/** Server-sent events stay open for minutes: their "duration" says nothing about the API's speed. */
const LONG_LIVED = new Set(["/api/events"]);
const METHODS = new Set(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]);

/**
 * The server's metrics: created once per app, listening to the controller's changes from then on.
 * Call it when the server starts (so rollouts before the first scrape are counted); `GET /metrics`
 * and the request hook reuse the same instance. Closed with the app.
 */
export function controlPlaneMetrics(app: Pick<AppContext, "singleton" | "controller">): ControlPlaneMetrics {
  return app.singleton(SINGLETON, () => {
    const metrics = new ControlPlaneMetrics();
    const source = app.controller as unknown as Partial<ChangeSource>;
    if (typeof source.subscribe === "function") metrics.listen(source as ChangeSource);
    return metrics;
  });
}

/** The hook a router calls once per answered request (route = the declared pattern). */
export function observeApiRequest(
  app: Pick<AppContext, "singleton" | "controller">,
  observation: ApiRequestObservation,
): void {
  controlPlaneMetrics(app).observeRequest(observation);
}

/**
 * Wraps the server's HTTP handler to time every request, labelled by the route pattern it matches
 * in ROUTES (src/core/access/routes.ts), "/api/*" for unknown API paths and "static" for the
 * dashboard's files: never the raw URL, which would make one time series per rollout id.
 *
 * @example const handler = withRequestMetrics(app, createHttpHandler(app));
 */
export function withRequestMetrics(
  app: Pick<AppContext, "singleton" | "controller">,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const metrics = controlPlaneMetrics(app);
  return async (req, res) => {
    const started = process.hrtime.bigint();
    const method = METHODS.has(req.method ?? "") ? (req.method as string) : "other";
    const pathname = (req.url ?? "/").split("?")[0] ?? "/";
    const route = routeLabel(method, pathname);
    if (!LONG_LIVED.has(route)) {
      res.once("finish", () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.observeRequest({ method, route, status: res.statusCode, seconds });
      });
    }
    await handler(req, res);
  };
}

export function routeLabel(method: string, pathname: string): string {
  const matched = matchRoute(method, pathname);
  if (matched) return matched.route.path;
  return pathname === "/api" || pathname.startsWith("/api/") ? "/api/*" : "static";
}
