import { z } from "zod";
import { SlipwayError } from "../../core/errors.js";
import { defineRoute, type ApiRoute } from "../api-route.js";
import { runsAndNotifierOf } from "../runs-and-notifier.js";

const listQuery = z.object({
  channel: z.string().optional().describe("Only this channel's letters"),
  limit: z
    .string()
    .regex(/^\d+$/, "a whole number")
    .optional()
    .describe("Page size (default 100, at most 1000)"),
});

/** Notifications that no channel took within the retry budget, and re-sending them. */
export const deadLetterRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/dead-letters",
    tag: "notifications",
    summary: "Notifications that were not delivered, newest first (channels named, never their URLs)",
    query: listQuery,
    handler: async ({ app, query }) => {
      const hooks = runsAndNotifierOf(app);
      const letters = await hooks.deadLetters.list({
        ...(query.channel ? { channel: query.channel } : {}),
        ...(query.limit ? { limit: Number(query.limit) } : {}),
      });
      return {
        status: 200,
        body: { deadLetters: letters, total: await hooks.deadLetters.count(), channels: hooks.channels },
      };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/dead-letters/:id/resend",
    tag: "notifications",
    summary: "Try a dead letter again now (one attempt); delivered letters leave the list",
    handler: async ({ app, params }) => {
      const id = params.id ?? "";
      const hooks = runsAndNotifierOf(app);
      const letter = await hooks.deadLetters.get(id);
      const outcome = await hooks.notifier.resend(id);
      switch (outcome.outcome) {
        case "delivered":
          return {
            status: 200,
            body: {
              outcome: "delivered",
              delivered: true,
              attempts: outcome.attempts,
              message: `Re-sent ${id} to ${letter?.channel ?? "its channel"}.`,
            },
          };
        case "failed":
          // 502: the API worked, the channel did not; the letter stays with the new error.
          return {
            status: 502,
            body: {
              error: {
                code: "SLIPWAY_UNAVAILABLE",
                message: `channel ${outcome.letter.channel} did not take it: ${outcome.letter.lastError} (${outcome.letter.attempts} attempts in all)`,
              },
              outcome: "failed",
              deadLetter: outcome.letter,
            },
          };
        case "not-found":
          throw new SlipwayError("SLIPWAY_NOT_FOUND", `no dead letter ${id}`);
        case "unknown-channel":
          throw new SlipwayError(
            "SLIPWAY_CONFLICT",
            `channel ${outcome.channel} is no longer configured; add it back to notifications.channels to re-send`,
          );
        case "in-progress":
          throw new SlipwayError("SLIPWAY_CONFLICT", `dead letter ${id} is being re-sent already`);
        default: {
          const unreachable: never = outcome;
          return unreachable;
        }
      }
    },
  }),
];
