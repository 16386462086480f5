/**
 * Change detection for monorepos, the pure part: which services a set of changed files touches,
 * directly or through the services that depend on them (Turborepo's ChangeMapper and Nx's
 * affected-project-graph do the same walk). No I/O: git and the file system live in git.ts and
 * discover.ts.
 */

/** A unit of the monorepo: a service from slipway.yaml or a workspace package. */
export interface ServiceNode {
  name: string;
  /** Directory relative to the repository root, with '/' separators, no trailing slash. */
  path: string;
  /** Names of the other services this one depends on (workspace package.json dependencies). */
  dependsOn: string[];
  /** A workspace package that is not a declared service: it carries changes to its dependents. */
  internal?: boolean;
}

export type AffectedReason =
  | { kind: "changed"; files: string[] }
  | { kind: "dependency-changed"; via: string[] }
  | { kind: "global-change"; file: string }
  | { kind: "all"; why: string };

export interface ServiceVerdict {
  name: string;
  path: string;
  affected: boolean;
  reasons: AffectedReason[];
}

export interface AffectedResult {
  services: ServiceVerdict[];
  /** Names of the affected services, in declaration order. */
  affected: string[];
  /** A changed file that makes every service affected (lockfile, root package.json, …). */
  globalChange?: string;
  /** Changed files that belong to no service and are not global. */
  unownedFiles: string[];
}

/** Files at the repository root whose change affects every service (dependencies, tool config). */
export const GLOBAL_FILES: readonly string[] = [
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "pnpm-lock.yaml",
  "pnpm-workspace.yaml",
  "yarn.lock",
  "bun.lockb",
  "slipway.yaml",
  "slipway.yml",
  "turbo.json",
  "nx.json",
  ".nvmrc",
  ".node-version",
  "tsconfig.base.json",
];

/** The service owning `file`: the one with the longest path that contains it (nested packages). */
export function ownerOf(file: string, services: readonly ServiceNode[]): ServiceNode | undefined {
  let best: ServiceNode | undefined;
  for (const service of services) {
    const inside = service.path === "" || service.path === "." || file.startsWith(`${service.path}/`);
    if (inside && (!best || service.path.length > best.path.length)) best = service;
  }
  return best;
}

/**
 * Maps changed files to services, then adds every service that depends (transitively) on an
 * affected one. `everything` short-circuits the walk when history is missing.
 */
export function computeAffected(
  services: readonly ServiceNode[],
  changedFiles: readonly string[] | { everything: string },
  globalFiles: readonly string[] = GLOBAL_FILES,
): AffectedResult {
  const verdicts = new Map<string, ServiceVerdict>(
    services.map((s) => [s.name, { name: s.name, path: s.path, affected: false, reasons: [] }]),
  );
  const internal = new Set(services.filter((s) => s.internal).map((s) => s.name));
  const finish = (extra: Partial<AffectedResult> = {}): AffectedResult => {
    const list = [...verdicts.values()].filter((v) => !internal.has(v.name));
    return {
      services: list,
      affected: list.filter((v) => v.affected).map((v) => v.name),
      unownedFiles: [],
      ...extra,
    };
  };
  const markAll = (reason: AffectedReason): void => {
    for (const verdict of verdicts.values()) {
      verdict.affected = true;
      verdict.reasons.push(reason);
    }
  };

  if (!Array.isArray(changedFiles)) {
    markAll({ kind: "all", why: (changedFiles as { everything: string }).everything });
    return finish();
  }
  const files = changedFiles as readonly string[];
  const globalFile = files.find((file) => globalFiles.includes(file));
  if (globalFile !== undefined) {
    markAll({ kind: "global-change", file: globalFile });
    return finish({ globalChange: globalFile });
  }

  const unownedFiles: string[] = [];
  const direct = new Map<string, string[]>();
  for (const file of files) {
    const owner = ownerOf(file, services);
    if (!owner) unownedFiles.push(file);
    else direct.set(owner.name, [...(direct.get(owner.name) ?? []), file]);
  }
  for (const [name, ownFiles] of direct) {
    const verdict = verdicts.get(name);
    if (!verdict) continue;
    verdict.affected = true;
    verdict.reasons.push({ kind: "changed", files: ownFiles });
  }

  // Reverse edges: who depends on me. Breadth-first so each dependent names its nearest cause.
  const dependents = new Map<string, string[]>();
  for (const service of services) {
    for (const dependency of service.dependsOn) {
      dependents.set(dependency, [...(dependents.get(dependency) ?? []), service.name]);
    }
  }
  const queue = [...direct.keys()];
  const via = new Map<string, Set<string>>();
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const dependent of dependents.get(current) ?? []) {
      const verdict = verdicts.get(dependent);
      if (!verdict) continue;
      const causes = via.get(dependent) ?? new Set<string>();
      causes.add(current);
      via.set(dependent, causes);
      if (!verdict.affected) {
        verdict.affected = true;
        queue.push(dependent);
      }
    }
  }
  for (const [name, causes] of via) {
    if (direct.has(name)) continue;
    verdicts.get(name)?.reasons.push({ kind: "dependency-changed", via: [...causes].sort() });
  }
  return finish({ unownedFiles });
}

/** One line per reason, for people. */
export function describeReason(reason: AffectedReason): string {
  switch (reason.kind) {
    case "changed":
      return `changed: ${reason.files.slice(0, 3).join(", ")}${reason.files.length > 3 ? ` and ${reason.files.length - 3} more` : ""}`;
    case "dependency-changed":
      return `depends on ${reason.via.join(", ")}`;
    case "global-change":
      return `${reason.file} changed (affects every service)`;
    case "all":
      return reason.why;
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}
