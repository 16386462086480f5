// Moved to src/traffic/route-store.ts (shared by every data plane provider); kept for data-plane.ts.
export { EMPTY_TABLE, loadRoutes, saveRoutes } from "../route-store.js";
