import { percentile } from "../analysis/stats/descriptive.js";
import type {
  DeliveryQuery,
  DeliveryReport,
  Distribution,
  EnvironmentDelivery,
  RolloutFacts,
} from "./types.js";

export const DAY_MS = 86_400_000;

/** Why a rollout counts as a failed change; undefined when it does not. */
export type FailureKind = "rolled-back" | "failed" | "followed-by-rollback";

/**
 * Computes the four delivery metrics per environment over the window (now - days, now]. Pure: the
 * caller gives every rollout that may matter (decided in the window, or after it started) and the
 * clock. A rollout belongs to the window in which it was decided (promoted, rolled back or failed).
 *
 * @example
 * deliveryMetrics(facts, { now: Date.now(), days: 30, environment: "production" })
 * // → { window: {...}, environments: [{ environment: "production", deploymentFrequency: { deploys: 12, perDay: 0.4, perWeek: 2.8 }, ... }] }
 */
export function deliveryMetrics(facts: readonly RolloutFacts[], query: DeliveryQuery): DeliveryReport {
  const from = query.now - query.days * DAY_MS;
  const inWindow = (t: number | undefined): t is number => t !== undefined && t > from && t <= query.now;
  const environments = [...new Set(facts.map((f) => f.environment))]
    .filter((e) => query.environment === undefined || e === query.environment)
    .sort();
  if (query.environment !== undefined && environments.length === 0) environments.push(query.environment);
  return {
    window: { days: query.days, from: new Date(from).toISOString(), to: new Date(query.now).toISOString() },
    environments: environments.map((environment) =>
      environmentMetrics(
        environment,
        facts.filter((f) => f.environment === environment),
        query.days,
        inWindow,
      ),
    ),
  };
}

function environmentMetrics(
  environment: string,
  facts: readonly RolloutFacts[],
  days: number,
  inWindow: (t: number | undefined) => t is number,
): EnvironmentDelivery {
  const scopes = groupByService(facts);
  let promoted = 0;
  let superseded = 0;
  const leadTimes: number[] = [];
  let withoutCommit = 0;
  const cfr = { deploys: 0, failed: 0, rolledBack: 0, failedOutright: 0, followedByRollback: 0 };
  const restores: number[] = [];
  let unrestored = 0;

  for (const scope of scopes.values()) {
    scope.forEach((fact, index) => {
      if (fact.kind !== "deploy") return;
      if (fact.outcome === "superseded") {
        if (inWindow(fact.abandonedAt ?? fact.startedAt)) superseded++;
        return;
      }
      if (inWindow(fact.promotedAt)) {
        promoted++;
        if (fact.committedAt === undefined) withoutCommit++;
        else leadTimes.push(Math.max(0, fact.promotedAt - fact.committedAt));
      }
      const decidedAt = decisionTime(fact);
      if (!inWindow(decidedAt)) return;
      cfr.deploys++;
      const failure = failureKind(scope, index);
      if (failure === undefined) return;
      cfr.failed++;
      if (failure === "rolled-back") cfr.rolledBack++;
      else if (failure === "failed") cfr.failedOutright++;
      else cfr.followedByRollback++;
      const restoredAt = restoreTime(scope, index);
      if (restoredAt === undefined) unrestored++;
      else restores.push(Math.max(0, restoredAt - (fact.liveAt ?? fact.startedAt)));
    });
  }

  return {
    environment,
    services: [...scopes.keys()].sort(),
    deploymentFrequency: { deploys: promoted, perDay: promoted / days, perWeek: (promoted / days) * 7 },
    leadTime: { ...distribution(leadTimes), withoutCommit },
    changeFailureRate: { ...cfr, rate: cfr.deploys === 0 ? null : cfr.failed / cfr.deploys, superseded },
    timeToRestore: { ...distribution(restores), failures: cfr.failed, unrestored },
  };
}

/** One service's rollouts in an environment, oldest first. */
function groupByService(facts: readonly RolloutFacts[]): Map<string, RolloutFacts[]> {
  const scopes = new Map<string, RolloutFacts[]>();
  for (const fact of facts) {
    const list = scopes.get(fact.service) ?? [];
    list.push(fact);
    scopes.set(fact.service, list);
  }
  for (const list of scopes.values()) list.sort((a, b) => a.startedAt - b.startedAt);
  return scopes;
}

/** Promoted, or the moment traffic was taken away; undefined while deciding or when superseded. */
function decisionTime(fact: RolloutFacts): number | undefined {
  if (fact.promotedAt !== undefined) return fact.promotedAt;
  if (fact.outcome === "rolled-back" || fact.outcome === "failed") return fact.abandonedAt;
  return undefined;
}

/**
 * A rollout is a failed change when it was rolled back (before or after promotion), failed with
 * nothing to go back to, or was promoted and the next decided rollout of the service in the
 * environment is a `slipway rollback` (kind "rollback").
 */
export function failureKind(scope: readonly RolloutFacts[], index: number): FailureKind | undefined {
  const fact = scope[index];
  if (!fact) return undefined;
  if (fact.outcome === "rolled-back") return "rolled-back";
  if (fact.outcome === "failed") return "failed";
  if (fact.outcome !== "promoted") return undefined;
  const next = scope.slice(index + 1).find((f) => f.outcome !== "superseded" && f.outcome !== undefined);
  return next?.kind === "rollback" ? "followed-by-rollback" : undefined;
}

/**
 * When service health came back after the failure at `index`: its own rollback when traffic went back
 * to a stable revision, else the promotion of the next later rollout (deploy or rollback) of the
 * service that is not itself a failure. Undefined while no such state exists.
 */
function restoreTime(scope: readonly RolloutFacts[], index: number): number | undefined {
  const fact = scope[index];
  if (!fact) return undefined;
  if (fact.outcome === "rolled-back" && fact.hadStable && fact.abandonedAt !== undefined)
    return fact.abandonedAt;
  const since = fact.promotedAt ?? fact.abandonedAt ?? fact.startedAt;
  for (let i = index + 1; i < scope.length; i++) {
    const later = scope[i];
    if (later?.promotedAt === undefined || later.promotedAt < since) continue;
    if (failureKind(scope, i) === undefined) return later.promotedAt;
  }
  return undefined;
}

function distribution(values: number[]): Distribution {
  if (values.length === 0) return { samples: 0, medianMs: null, p90Ms: null };
  return { samples: values.length, medianMs: percentile(values, 50), p90Ms: percentile(values, 90) };
}
