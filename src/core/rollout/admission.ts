import type { RevisionRef, Rollout } from "./types.js";

/** What to do with a deploy request, given the environment's state. */
export type DeployDecision =
  | { kind: "noop"; reason: string }
  | { kind: "refuse"; reason: string }
  | { kind: "start"; supersede?: Rollout };

const describe = (r: Rollout) =>
  `rollout ${r.id} (${r.service}/${r.environment} ${r.kind} of ${r.candidate.version}, ${r.phase})`;

/**
 * Deploying the live version is a no-op that says so; a new version while a rollout decides
 * supersedes it; the same version again, or anything while a rollback runs, is refused with the
 * running rollout's name.
 */
export function admitDeploy(input: {
  version: string;
  live?: RevisionRef;
  holder?: Rollout;
}): DeployDecision {
  const { holder, live, version } = input;
  if (holder) {
    if (holder.kind === "rollback") {
      return { kind: "refuse", reason: `${describe(holder)} is running; deploy again when it has finished` };
    }
    if (holder.candidate.version === version) {
      return { kind: "refuse", reason: `${describe(holder)} is already deploying ${version}` };
    }
    return { kind: "start", supersede: holder };
  }
  if (live?.version === version) {
    return {
      kind: "noop",
      reason: `${version} is already live in ${input.live?.id.split("@")[0]}: nothing to do`,
    };
  }
  return { kind: "start" };
}

export type RollbackDecision =
  | { kind: "refuse"; reason: string }
  | { kind: "noop"; reason: string }
  /** Abort the deciding rollout: traffic back to its stable revision at once. */
  | { kind: "abort"; rollout: Rollout }
  /** Promoted, previous revision still warm: switch back to it at once. */
  | { kind: "instant"; rollout: Rollout }
  /** Previous revision gone: deploy its release again (no analysis). */
  | { kind: "redeploy"; version: string };

/**
 * `slipway rollback`: never waits for analysis. `previous` is the version that was live before the
 * live one (from history); `warm` is the latest promoted rollout still keeping it warm.
 */
export function planRollback(input: {
  to?: string;
  live?: RevisionRef;
  holder?: Rollout;
  warm?: Rollout;
  previous?: string;
}): RollbackDecision {
  const { to, live, holder, warm } = input;
  if (holder) {
    if (holder.kind === "rollback")
      return { kind: "refuse", reason: `${describe(holder)} is already running` };
    if (to !== undefined && to !== holder.stable?.version) {
      return {
        kind: "refuse",
        reason: `${describe(holder)} is running: rollback can only return to ${holder.stable?.version ?? "nothing (first deploy)"} now`,
      };
    }
    return { kind: "abort", rollout: holder };
  }
  if (warm && warm.phase === "warm" && warm.retire && (to === undefined || to === warm.retire.version)) {
    return { kind: "instant", rollout: warm };
  }
  const target = to ?? input.previous;
  if (target === undefined) return { kind: "refuse", reason: "no previous release to roll back to" };
  if (live?.version === target)
    return { kind: "noop", reason: `${target} is already live: nothing to roll back` };
  return { kind: "redeploy", version: target };
}
