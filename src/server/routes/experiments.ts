import { z } from "zod";
import { SlipwayError } from "../../core/errors.js";
import {
  changeExperiment,
  createExperiment,
  experimentOrThrow,
  experimentReport,
  ingestEvents,
  type ExperimentDeps,
} from "../../experiments/service.js";
import type { ExperimentAction } from "../../experiments/lifecycle.js";
import { actorOf } from "../actor.js";
import { defineRoute, type ApiRoute } from "../api-route.js";
import type { AppContext } from "../app-context.js";

/** Events one POST /api/flags/events may carry (the providers send 100 at a time). */
export const MAX_EVENTS_PER_BATCH = 1_000;

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const key = z
  .string()
  .regex(KEY, { error: "letters, digits, . _ - (at most 100, starting with a letter or digit)" });

const reason = z
  .string()
  .trim()
  .min(1, { error: "say why (it is recorded in the audit trail)" })
  .max(1000)
  .describe("Why: recorded in the audit trail");

const metric = z.strictObject({
  event: z.string().min(1).max(200).describe("The event name given to track()"),
  kind: z
    .enum(["conversion", "value"])
    .describe("conversion: each user once, 0/1; value: the sum of `details.value` per user"),
  direction: z.enum(["increase", "decrease"]).default("increase").describe("Whether higher is better"),
});

const createBody = z.strictObject({
  key,
  flag: z.string().min(1).max(256).describe("The flag whose variants are compared"),
  description: z.string().max(2000).optional(),
  control: z.string().min(1).optional().describe("Default: the flag's default variant"),
  allocation: z
    .record(z.string(), z.number().min(0))
    .optional()
    .describe("Variant → weight the experiment expects; default: the flag's fractional split, or equal"),
  metrics: z.array(metric).min(1).max(20).describe("The first is the primary metric"),
  reason,
});

const actionBody = z.strictObject({ reason });
const shipBody = z.strictObject({ variant: z.string().min(1), reason });

const timestamp = z.iso.datetime({
  offset: true,
  error: "an ISO 8601 date-time such as 2026-12-06T10:00:00Z",
});
const eventsBody = z.strictObject({
  events: z
    .array(
      z.discriminatedUnion("kind", [
        z.object({
          kind: z.literal("exposure"),
          flagKey: z.string().min(1),
          variant: z.string().nullable(),
          reason: z.string().optional(),
          targetingKey: z.string().nullable(),
          timestamp,
        }),
        z.object({
          kind: z.literal("conversion"),
          name: z.string().min(1),
          targetingKey: z.string().nullable(),
          details: z.record(z.string(), z.unknown()).optional(),
          timestamp,
        }),
      ]),
    )
    .max(MAX_EVENTS_PER_BATCH, { error: `at most ${MAX_EVENTS_PER_BATCH} events per request` }),
});

const depsOf = (app: AppContext): ExperimentDeps => ({
  store: app.store.experiments,
  flags: app.flags,
  now: () => app.now(),
});

function keyOf(params: Record<string, string>): string {
  const k = params.key ?? "";
  if (!KEY.test(k)) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no experiment "${k.slice(0, 100)}"`);
  return k;
}

const lifecycleRoute = (action: Exclude<ExperimentAction, "ship">, summary: string) =>
  defineRoute({
    method: "POST",
    path: `/api/experiments/:key/${action}`,
    tag: "experiments",
    summary,
    body: actionBody,
    responses: {
      404: "No such experiment",
      409: "Not possible in the experiment's status (the message says why)",
    },
    auditReason: (body) => body.reason,
    handler: async ({ app, params, body, principal }) => {
      await app.flagsReady;
      const { experiment } = await changeExperiment(depsOf(app), keyOf(params), action, {
        actor: actorOf(principal),
        reason: body.reason,
      });
      return { status: 200, body: { experiment }, audit: { action: `experiment.${action}` } };
    },
  });

/** Experiments on flags: definitions, lifecycle (audited), results, and the providers' event intake. */
export const experimentRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/experiments",
    tag: "experiments",
    summary: "Every experiment, newest first",
    handler: async ({ app }) => ({ status: 200, body: { experiments: await app.store.experiments.list() } }),
  }),
  defineRoute({
    method: "POST",
    path: "/api/experiments",
    tag: "experiments",
    summary: "Create an experiment (a draft) on a flag's variants with one or more metrics",
    body: createBody,
    responses: {
      201: "Created",
      400: "Invalid: the message says what was expected (unknown variant, control not among them…)",
      404: "No such flag",
      409: "An experiment of this key exists",
    },
    auditReason: (body) => body.reason,
    handler: async ({ app, body, principal }) => {
      await app.flagsReady;
      const { reason: _reason, flag, ...rest } = body;
      const experiment = await createExperiment(depsOf(app), { ...rest, flagKey: flag }, actorOf(principal));
      return { status: 201, body: { experiment }, audit: { action: "experiment.created" } };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/experiments/:key",
    tag: "experiments",
    summary: "One experiment's definition and status",
    handler: async ({ app, params }) => ({
      status: 200,
      body: { experiment: await experimentOrThrow(depsOf(app), keyOf(params)) },
    }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/experiments/:key/results",
    tag: "experiments",
    summary:
      "Results per metric and variant: exposures, conversions, rate or mean, lift with 95 % and always-valid intervals, SRM check; exposures over time",
    handler: async ({ app, params }) => ({
      status: 200,
      body: await experimentReport(depsOf(app), keyOf(params)),
    }),
  }),
  lifecycleRoute("start", "Start a draft experiment: exposures and conversions count from now on"),
  lifecycleRoute("stop", "Stop a running experiment: results freeze, assignments stop being sticky"),
  defineRoute({
    method: "POST",
    path: "/api/experiments/:key/ship",
    tag: "experiments",
    summary:
      "Ship a variant: the flag serves it to everyone (its default, targeting removed), and the experiment ends",
    description: "The flag change is recorded in the flag's history with the same actor and reason.",
    body: shipBody,
    responses: {
      400: "The variant is not one of the experiment's",
      404: "No such experiment",
      409: "Not running or stopped, or the flag is defined in a repository file",
    },
    auditReason: (body) => `ship ${body.variant}: ${body.reason}`,
    handler: async ({ app, params, body, principal }) => {
      await app.flagsReady;
      const { experiment, flagChange } = await changeExperiment(depsOf(app), keyOf(params), "ship", {
        actor: actorOf(principal),
        reason: body.reason,
        variant: body.variant,
      });
      return {
        status: 200,
        body: { experiment, flagChange: flagChange ?? null },
        audit: { action: "experiment.shipped" },
      };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/flags/events",
    tag: "flags",
    summary:
      "The OpenFeature providers' exposure and track() events, in batches; counted for running experiments",
    description:
      "Accepts a flags:evaluate client key (also as `X-API-Key`) or any API token. Each user's first " +
      "exposure per experiment is kept (later ones never change the variant); conversions count for " +
      "users exposed before them. Events of no running experiment are acknowledged and ignored.",
    body: eventsBody,
    responses: {
      400: "Malformed events: `problems` name each (events[3].timestamp …); nothing was recorded",
    },
    handler: async ({ app, body }) => ({ status: 202, body: await ingestEvents(depsOf(app), body.events) }),
  }),
];
