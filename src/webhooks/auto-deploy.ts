import picomatch from "picomatch";
import type { TriggerEvent } from "./events.js";

/** What an environment says about automatic deploys (slipway.yaml `environments.<name>.deploy`). */
export interface AutoDeployPolicy {
  branches: readonly string[];
  tags: readonly string[];
}

/** A service's source directory, relative to the project root ("." for the root). */
export interface ServicePath {
  name: string;
  path: string;
}

/** One deploy a delivery asks for. */
export interface PlannedDeploy {
  service: string;
  environment: string;
  version: string;
  /** The git ref the release is built at: the pushed commit. */
  ref: string;
  /** The glob that matched, for the response and the audit reason. */
  matched: string;
}

/** Version names the API accepts: letters, digits, '.', '_' and '-', starting with a letter or digit. */
const VERSION_CHARS = /[^A-Za-z0-9._-]+/g;

/**
 * The version a push deploys as: a tag deploys as itself (`v1.4.0`); a branch push as
 * `<branch>-<short sha>` (`main-2222222`), so every push is a distinct, traceable release.
 */
export function versionFor(event: Extract<TriggerEvent, { kind: "push" | "tag" }>): string {
  const raw = event.kind === "tag" ? event.tag : `${event.branch}-${event.sha.slice(0, 7)}`;
  const cleaned = raw.replace(VERSION_CHARS, "-").replace(/^[^A-Za-z0-9]+/, "");
  return cleaned === "" ? event.sha.slice(0, 12) : cleaned.slice(0, 100);
}

/** True when `file` (repository-relative) is inside the service's directory. */
function touches(service: ServicePath, file: string): boolean {
  const dir = service.path.replace(/^\.\/?/, "").replace(/\/+$/, "");
  return dir === "" || file === dir || file.startsWith(`${dir}/`);
}

/**
 * The deploys a push or tag asks for, per environment whose `deploy.branches` / `deploy.tags` glob
 * matches. A tag deploys every service; a branch push deploys the services whose directory it
 * changed (all of them when the delivery lists no files, e.g. a push of more than GitHub's 2 048
 * commits). Pull requests never deploy. Pure.
 *
 * @example
 * planAutoDeploys(event, { production: { branches: [], tags: ["v*"] } }, [{ name: "api", path: "api" }])
 */
export function planAutoDeploys(
  event: TriggerEvent,
  environments: Readonly<Record<string, AutoDeployPolicy>>,
  services: readonly ServicePath[],
): PlannedDeploy[] {
  if (event.kind === "pull_request") return [];
  const name = event.kind === "tag" ? event.tag : event.branch;
  const version = versionFor(event);
  const affected =
    event.kind === "push" && event.changedFiles.length > 0
      ? services.filter((s) => event.changedFiles.some((file) => touches(s, file)))
      : services;
  const plans: PlannedDeploy[] = [];
  for (const [environment, policy] of Object.entries(environments)) {
    const globs = event.kind === "tag" ? policy.tags : policy.branches;
    const matched = globs.find((glob) => picomatch.isMatch(name, glob, { dot: true }));
    if (matched === undefined) continue;
    for (const service of affected) {
      plans.push({ service: service.name, environment, version, ref: event.sha, matched });
    }
  }
  return plans;
}
