import type { ApiRoute } from "../api-route.js";
import { rolloutRoutes } from "./rollouts.js";
import { systemRoutes } from "./system.js";

/**
 * Every route the server serves. Adding an area is one line here plus its ROUTES entries
 * (src/core/access/routes.ts); the router refuses to start with a route missing from ROUTES.
 */
export const API_ROUTES: readonly ApiRoute[] = [...systemRoutes, ...rolloutRoutes];
