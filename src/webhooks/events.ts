import { z } from "zod";

/**
 * What a webhook delivery asks Slipway to do, reduced to the fields the trigger rules need
 * (branch/tag patterns, changed paths, pull-request actions). `payload` keeps the delivery's whole
 * body because workflow runs expose it as `github.event`.
 */
export type TriggerEvent =
  | {
      kind: "push";
      deliveryId: string;
      repository: string;
      ref: string;
      branch: string;
      sha: string;
      before: string;
      actor: string;
      /** Paths added, modified or removed by the pushed commits, for per-service change detection. */
      changedFiles: string[];
      payload: unknown;
    }
  | {
      kind: "tag";
      deliveryId: string;
      repository: string;
      ref: string;
      tag: string;
      sha: string;
      actor: string;
      payload: unknown;
    }
  | {
      kind: "pull_request";
      deliveryId: string;
      repository: string;
      action: PullRequestAction;
      number: number;
      title: string;
      headRef: string;
      headSha: string;
      baseRef: string;
      draft: boolean;
      merged: boolean;
      actor: string;
      payload: unknown;
    };

/** The pull_request actions that can change what CI should run; others (labeled, assigned…) are ignored. */
export const PULL_REQUEST_ACTIONS = [
  "opened",
  "synchronize",
  "reopened",
  "closed",
  "ready_for_review",
] as const;
export type PullRequestAction = (typeof PULL_REQUEST_ACTIONS)[number];

export type ParsedDelivery =
  | { outcome: "event"; event: TriggerEvent }
  | { outcome: "ignored"; reason: string }
  | { outcome: "invalid"; reason: string };

const ZERO_SHA = /^0{40}$/;
const repository = z.object({ full_name: z.string() });
const commit = z.object({
  added: z.array(z.string()).default([]),
  removed: z.array(z.string()).default([]),
  modified: z.array(z.string()).default([]),
});
const pushPayload = z.object({
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  deleted: z.boolean().default(false),
  repository,
  pusher: z.object({ name: z.string() }).optional(),
  sender: z.object({ login: z.string() }).optional(),
  commits: z.array(commit).default([]),
});
const pullRequestPayload = z.object({
  action: z.string(),
  number: z.number().int(),
  repository,
  sender: z.object({ login: z.string() }).optional(),
  pull_request: z.object({
    title: z.string(),
    draft: z.boolean().default(false),
    merged: z.boolean().nullable().default(false),
    head: z.object({ ref: z.string(), sha: z.string() }),
    base: z.object({ ref: z.string() }),
    user: z.object({ login: z.string() }).optional(),
  }),
});

function problem(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return "payload does not match the event";
  const path = first.path.length > 0 ? first.path.join(".") : "(root)";
  return `${path}: ${first.message}`;
}

/**
 * Turns a delivery (`X-GitHub-Event` name plus parsed JSON body) into a TriggerEvent, or says why
 * it triggers nothing. A push of `refs/tags/*` is a tag event; deleted refs trigger nothing.
 */
export function parseGitHubDelivery(eventName: string, deliveryId: string, payload: unknown): ParsedDelivery {
  switch (eventName) {
    case "ping":
      return { outcome: "ignored", reason: "ping" };
    case "push": {
      const parsed = pushPayload.safeParse(payload);
      if (!parsed.success) return { outcome: "invalid", reason: `push payload: ${problem(parsed.error)}` };
      const p = parsed.data;
      if (p.deleted || ZERO_SHA.test(p.after)) return { outcome: "ignored", reason: `${p.ref} was deleted` };
      const actor = p.sender?.login ?? p.pusher?.name ?? "unknown";
      const base = {
        deliveryId,
        repository: p.repository.full_name,
        ref: p.ref,
        sha: p.after,
        actor,
        payload,
      };
      if (p.ref.startsWith("refs/tags/")) {
        return { outcome: "event", event: { kind: "tag", ...base, tag: p.ref.slice("refs/tags/".length) } };
      }
      if (!p.ref.startsWith("refs/heads/"))
        return { outcome: "ignored", reason: `${p.ref} is not a branch or tag` };
      const changed = new Set<string>();
      for (const c of p.commits)
        for (const file of [...c.added, ...c.removed, ...c.modified]) changed.add(file);
      return {
        outcome: "event",
        event: {
          kind: "push",
          ...base,
          branch: p.ref.slice("refs/heads/".length),
          before: p.before,
          changedFiles: [...changed].sort(),
        },
      };
    }
    case "pull_request": {
      const parsed = pullRequestPayload.safeParse(payload);
      if (!parsed.success)
        return { outcome: "invalid", reason: `pull_request payload: ${problem(parsed.error)}` };
      const p = parsed.data;
      const action = PULL_REQUEST_ACTIONS.find((a) => a === p.action);
      if (!action) return { outcome: "ignored", reason: `pull_request action ${p.action} triggers nothing` };
      return {
        outcome: "event",
        event: {
          kind: "pull_request",
          deliveryId,
          repository: p.repository.full_name,
          action,
          number: p.number,
          title: p.pull_request.title,
          headRef: p.pull_request.head.ref,
          headSha: p.pull_request.head.sha,
          baseRef: p.pull_request.base.ref,
          draft: p.pull_request.draft,
          merged: p.pull_request.merged ?? false,
          actor: p.sender?.login ?? p.pull_request.user?.login ?? "unknown",
          payload,
        },
      };
    }
    default:
      return { outcome: "ignored", reason: `event ${eventName} triggers nothing` };
  }
}
