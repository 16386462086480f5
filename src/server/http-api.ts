import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiRoute } from "./api-route.js";
import type { AppContext } from "./app-context.js";
import { createRouter } from "./router.js";
import { API_ROUTES } from "./routes/index.js";
import { applySecurityHeaders, DASHBOARD_CSP } from "./security-headers.js";
import { serveDashboard } from "./static.js";
import { answerFailure } from "./store-faults.js";

export type { ServerInfo } from "./app-context.js";

/**
 * The control plane's HTTP handler: the API routes (src/server/routes/*, JSON, errors
 * `{ error: { code, message, problems? } }`), and the dashboard's files for every other path; every
 * response carries the security headers (security-headers.ts).
 */
export function createHttpHandler(app: AppContext, routes: readonly ApiRoute[] = API_ROUTES) {
  const router = createRouter(routes, app);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      applySecurityHeaders(res);
      if (await router(req, res)) return;
      res.setHeader("content-security-policy", DASHBOARD_CSP);
      await serveDashboard(req, res, app.webRoot);
    } catch (error) {
      answerFailure(app, res, error, `${req.method ?? "GET"} ${req.url ?? "/"}`);
    }
  };
}
