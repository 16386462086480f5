import { z } from "zod";
import { defineRoute, type ApiRoute } from "../api-route.js";
import {
  channelEnvironmentName,
  channelOf,
  channelViews,
  moveIntoChannel,
  rollBackChannel,
  type ChannelMoveResult,
} from "../channel-moves.js";

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' or '-'");
const reason = z
  .string()
  .trim()
  .min(1, { error: "say why (it is recorded in the audit trail and the channel's history)" })
  .max(500);

const moveBody = z.strictObject({
  service: name,
  version: name.optional().describe("The version to move; default: the version `from` holds"),
  from: name.optional().describe("Promote the version this channel holds (e.g. beta → stable)"),
  reason,
  override: z
    .strictObject({ reason: z.string().min(1, "an override needs a reason").max(500) })
    .optional()
    .describe("Move into a frozen environment (admins only); the reason is audited"),
});
const rollbackBody = z.strictObject({ service: name, reason });
const historyQuery = z.object({
  service: z.string().optional(),
  limit: z.string().optional().describe("At most this many moves (1-1000; 100)"),
});

/** 202 when a move started a rollout or changed a flag, 200 when the channel already held it. */
const answer = (result: ChannelMoveResult, action: string) => ({
  status: result.result === "noop" ? 200 : 202,
  body: result,
  ...(result.move && { audit: { action } }),
});

const channelEnvironment = ({
  params,
  app,
}: {
  params: Record<string, string>;
  app: Parameters<typeof channelEnvironmentName>[0];
}) => channelEnvironmentName(app, params.name ?? "");

/** Release channels (docs/channels.md): what each holds, moves between them, rollbacks, history. */
export const channelRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/channels",
    tag: "channels",
    summary: "Every release channel: strategy, what it controls, and per service its version and what serves",
    handler: async ({ app }) => ({ status: 200, body: { channels: await channelViews(app) } }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/channels/:name",
    tag: "channels",
    summary: "One channel and its moves (who moved what when), newest first",
    query: historyQuery,
    handler: async ({ app, params, query }) => {
      const channel = channelOf(app.config(), params.name ?? "");
      const limit = Number(query.limit ?? "");
      const [view] = await channelViews(app, channel.name);
      const history = await app.store.channels.history({
        channel: channel.name,
        ...(query.service ? { service: query.service } : {}),
        ...(Number.isInteger(limit) && limit > 0 ? { limit: Math.min(limit, 1000) } : {}),
      });
      return { status: 200, body: { channel: view, history } };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/channels/:name/moves",
    tag: "channels",
    summary: "Move a version of a service into the channel, or promote what another channel holds",
    description:
      "A blue-green or canary channel's move is a deploy in its environment with the channel's strategy, " +
      "through the same gate as POST /api/deployments (role, freeze windows, approval: 401/403/409, or a " +
      "rollout held for approval). A flag channel's move sets its flag's variant to the version through the " +
      "flags control plane (edit-flags). With `from`, the version is what that channel holds (409 if `version` " +
      "names another). Recorded in the channel's history with actor and reason.",
    body: moveBody,
    environment: channelEnvironment,
    auditReason: (body) =>
      body.override ? `freeze override: ${body.override.reason}; ${body.reason}` : body.reason,
    responses: {
      202: "Moved: a rollout started (or waits for approval), or the flag changed",
      404: "No such channel",
    },
    handler: async ({ app, params, body, principal }) =>
      answer(await moveIntoChannel(app, principal, params.name ?? "", body), "channel.moved"),
  }),
  defineRoute({
    method: "POST",
    path: "/api/channels/:name/rollback",
    tag: "channels",
    summary: "Return the channel to the version its newest move replaced (409 when there is none)",
    description:
      "Blue-green and canary channels roll back through POST /api/rollbacks' path (instant while the " +
      "previous revision is warm); flag channels set the variant back.",
    body: rollbackBody,
    environment: channelEnvironment,
    auditReason: (body) => body.reason,
    handler: async ({ app, params, body, principal }) =>
      answer(await rollBackChannel(app, principal, params.name ?? "", body), "channel.rolled-back"),
  }),
];
