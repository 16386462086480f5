import { z } from "zod";

/**
 * slipway.yaml `environments.<name>.access` — the least role per action in that environment
 * (owned by the api area; schema.ts carries it as one key). Rules only tighten: a role below the
 * action's default (docs/access.md) changes nothing. The server reads it as the environment's
 * EnvironmentAccessRule (src/server/app.ts), together with `approval`.
 *
 * @example
 * environments:
 *   production:
 *     access: { deploy: admin, approve: admin }
 */
const ROLE_NAMES = ["viewer", "deployer", "admin"] as const;
const role = (action: string) =>
  z
    .enum(ROLE_NAMES, { error: 'expected "viewer", "deployer" or "admin"' })
    .optional()
    .describe(`Least role to ${action} here.`);

export const environmentAccessSchema = z
  .strictObject({
    deploy: role("deploy"),
    promote: role("promote a rollout"),
    abort: role("abort a rollout"),
    rollback: role("roll back"),
    approve: role("approve or reject a held deploy"),
    "override-freeze": role("override a freeze window"),
  })
  .describe("Least role per action in this environment; only tightens the defaults.");

export type EnvironmentAccessConfig = z.output<typeof environmentAccessSchema>;
