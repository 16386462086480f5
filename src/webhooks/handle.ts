import {
  planAutoDeploys,
  type AutoDeployPolicy,
  type PlannedDeploy,
  type ServicePath,
} from "./auto-deploy.js";
import type { WebhookDeliveryStore } from "../store/ports/webhook-delivery-store.js";
import type { TriggerEvent } from "./events.js";
import { receiveGitHubDelivery, type IncomingDelivery } from "./receive.js";

/** The part of the RunManager a delivery needs: start the workflows an event triggers. */
export interface WorkflowTrigger {
  trigger(trigger: {
    event: string;
    payload: Record<string, unknown>;
    ref?: string;
    actor: string;
  }): Promise<{
    runs: { runId: string; workflow: string; workflowFile: string }[];
    skipped: { workflow: string; workflowFile: string; reason: string }[];
    failed: { workflowFile: string; code: string; message: string }[];
  }>;
}

/** The part of RolloutController.deploy a delivery needs. */
export type DeployPort = (request: {
  service: string;
  environment: string;
  version: string;
  ref: string;
  actor: string;
  reason: string;
}) => Promise<{ result: string; message: string; rollout?: { id: string } }>;

export interface WebhookDeps {
  /** Current secrets (several while rotating); empty: deliveries are refused. */
  secrets: () => readonly string[];
  deliveries: WebhookDeliveryStore;
  runs: WorkflowTrigger;
  deploy: DeployPort;
  /** Read per delivery, so slipway.yaml edits apply without a restart. */
  project: () => { environments: Record<string, AutoDeployPolicy>; services: ServicePath[] };
  now?: () => number;
  log?: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
}

export interface DeployOutcome extends PlannedDeploy {
  result: "started" | "noop" | "refused";
  message: string;
  rolloutId?: string;
}

/** The HTTP answer to a delivery: status and JSON body. Never contains a secret. */
export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

function eventSummary(event: TriggerEvent): Record<string, unknown> {
  switch (event.kind) {
    case "push":
      return { kind: "push", ref: event.ref, sha: event.sha, actor: event.actor };
    case "tag":
      return { kind: "tag", ref: event.ref, sha: event.sha, actor: event.actor };
    case "pull_request":
      return {
        kind: "pull_request",
        action: event.action,
        number: event.number,
        ref: event.headRef,
        sha: event.headSha,
        actor: event.actor,
      };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** The engine's event name and ref for a delivery (a pushed tag is a `push` on GitHub too). */
function runTriggerFor(event: TriggerEvent): { event: string; ref?: string } {
  switch (event.kind) {
    case "push":
    case "tag":
      return { event: "push" }; // the engine reads `ref` from the payload, keeping branch filters
    case "pull_request":
      return { event: "pull_request", ref: event.headSha };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/**
 * Handles one GitHub delivery end to end: verify (401), dedupe (200 for a replay, nothing
 * triggered), parse (400 naming the problem or the unhandled event), then start the workflow runs
 * whose `on:` matches and the environments' automatic deploys, answering 202 with what started.
 * A deploy or run that cannot start is reported in the answer, not as a failed delivery: GitHub
 * would only redeliver the same thing.
 */
export async function handleGitHubWebhook(
  delivery: IncomingDelivery,
  deps: WebhookDeps,
): Promise<WebhookResponse> {
  const secrets = deps.secrets();
  if (secrets.length === 0) {
    return {
      status: 503,
      body: {
        error: {
          code: "SLIPWAY_UNAVAILABLE",
          message: "no webhook secret is configured on the server (set SLIPWAY_WEBHOOK_SECRET)",
        },
      },
    };
  }
  const outcome = await receiveGitHubDelivery(delivery, {
    secrets,
    deliveries: deps.deliveries,
    now: (deps.now ?? Date.now)(),
  });
  switch (outcome.outcome) {
    case "rejected":
      return {
        status: outcome.status,
        body: {
          error: {
            code: outcome.status === 401 ? "SLIPWAY_UNAUTHENTICATED" : "SLIPWAY_INVALID_ARGUMENT",
            message: outcome.reason,
          },
        },
      };
    case "duplicate":
      return {
        status: 200,
        body: {
          outcome: "duplicate",
          deliveryId: outcome.deliveryId,
          message: "already handled; nothing triggered",
        },
      };
    case "ignored":
      return {
        status: 202,
        body: { outcome: "ignored", deliveryId: outcome.deliveryId, reason: outcome.reason },
      };
    case "accepted":
      break;
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }

  const event = outcome.event;
  const actor = `webhook:${event.actor}`;
  const trigger = runTriggerFor(event);
  let runs: Awaited<ReturnType<WorkflowTrigger["trigger"]>>;
  try {
    runs = await deps.runs.trigger({
      ...trigger,
      payload: (event.payload ?? {}) as Record<string, unknown>,
      actor,
    });
  } catch (error) {
    // E.g. the project is not a git repository: no workflow can run, deploys still may.
    const code = (error as { code?: unknown }).code;
    runs = {
      runs: [],
      skipped: [],
      failed: [
        {
          workflowFile: ".github/workflows",
          code: typeof code === "string" ? code : "INTERNAL",
          message: (error as Error).message,
        },
      ],
    };
  }

  let deployments: DeployOutcome[] = [];
  let configProblem: string | undefined;
  try {
    const project = deps.project();
    const plans = planAutoDeploys(event, project.environments, project.services);
    deployments = await Promise.all(plans.map((plan) => deployOne(plan, actor, event, deps.deploy)));
  } catch (error) {
    configProblem = (error as Error).message;
  }
  deps.log?.info(
    {
      deliveryId: event.deliveryId,
      event: event.kind,
      runs: runs.runs.map((r) => r.runId),
      deployments: deployments.map((d) => `${d.service}/${d.environment}@${d.version}: ${d.result}`),
    },
    "webhook delivery handled",
  );
  return {
    status: 202,
    body: {
      outcome: "accepted",
      deliveryId: event.deliveryId,
      event: eventSummary(event),
      runs: runs.runs.map((r) => ({ runId: r.runId, workflow: r.workflow, workflowFile: r.workflowFile })),
      skipped: runs.skipped,
      failed: runs.failed,
      deployments,
      ...(configProblem ? { deployError: `automatic deploys not evaluated: ${configProblem}` } : {}),
    },
  };
}

async function deployOne(
  plan: PlannedDeploy,
  actor: string,
  event: TriggerEvent,
  deploy: DeployPort,
): Promise<DeployOutcome> {
  const what =
    event.kind === "tag" ? `tag ${event.tag}` : event.kind === "push" ? `push to ${event.branch}` : "";
  try {
    const result = await deploy({
      service: plan.service,
      environment: plan.environment,
      version: plan.version,
      ref: plan.ref,
      actor,
      reason: `${what} matched deploy rule ${plan.matched} (delivery ${event.deliveryId})`,
    });
    return {
      ...plan,
      result: result.result === "noop" ? "noop" : "started",
      message: result.message,
      ...(result.rollout ? { rolloutId: result.rollout.id } : {}),
    };
  } catch (error) {
    return { ...plan, result: "refused", message: (error as Error).message };
  }
}

/** The env variables that hold the webhook secret, and the previous one while rotating. */
export const WEBHOOK_SECRET_ENV = "SLIPWAY_WEBHOOK_SECRET";
export const WEBHOOK_PREVIOUS_SECRET_ENV = "SLIPWAY_WEBHOOK_SECRET_PREVIOUS";

/** The secrets a delivery may be signed with, from the server's environment. */
export function webhookSecretsFrom(env: Readonly<Record<string, string | undefined>>): string[] {
  return [env[WEBHOOK_SECRET_ENV], env[WEBHOOK_PREVIOUS_SECRET_ENV]].filter(
    (secret): secret is string => secret !== undefined && secret !== "",
  );
}
