import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { globSync } from "tinyglobby";
import type * as Yaml from "yaml";
import type { ServiceNode } from "./affected.js";

/** The YAML parser, loaded only when a YAML file is read (most repositories here have none). */
function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)("yaml") as typeof Yaml).parse(text);
}

export type ServiceSource = "slipway.yaml" | "npm-workspaces" | "pnpm-workspaces" | "none";

export interface DiscoveredServices {
  source: ServiceSource;
  services: ServiceNode[];
}

interface PackageJson {
  name?: string;
  workspaces?: string[] | { packages?: string[] };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** The file's JSON; undefined when there is no such file (one read, not a look first). */
function readJson(path: string): PackageJson | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as PackageJson;
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
}

const toPosix = (path: string): string => path.split(sep).join("/").replace(/\/+$/, "");

/**
 * Services of the repository at `root`: `services.<name>.path` from slipway.yaml when present
 * (only those keys are read here; the config module owns the full schema), otherwise the npm/yarn
 * `workspaces` of package.json or pnpm-workspace.yaml. Edges come from workspace package.json
 * dependencies in both cases.
 */
export function discoverServices(root: string): DiscoveredServices {
  const fromConfig = servicesFromSlipwayYaml(root);
  const workspaces = workspacePackages(root);
  if (fromConfig) {
    // Workspace packages that are not services (a shared library) still pass changes on to the
    // services that depend on them, so they join the graph as internal nodes.
    const servicePaths = new Set(fromConfig.map((s) => s.path));
    const internal = (workspaces?.packages ?? [])
      .filter((p) => !servicePaths.has(p.path) && !fromConfig.some((s) => s.name === p.name))
      .map((p) => ({ ...p, internal: true }));
    return { source: "slipway.yaml", services: withDependencies(root, [...fromConfig, ...internal]) };
  }
  if (workspaces) return { source: workspaces.source, services: withDependencies(root, workspaces.packages) };
  return { source: "none", services: [] };
}

function workspacePackages(
  root: string,
): { source: "npm-workspaces" | "pnpm-workspaces"; packages: WorkspacePackage[] } | undefined {
  const rootPackage = readJson(join(root, "package.json"));
  const npmGlobs = Array.isArray(rootPackage?.workspaces)
    ? rootPackage.workspaces
    : (rootPackage?.workspaces?.packages ?? []);
  if (npmGlobs.length > 0) return { source: "npm-workspaces", packages: expandWorkspaces(root, npmGlobs) };
  const pnpmFile = join(root, "pnpm-workspace.yaml");
  if (existsSync(pnpmFile)) {
    const doc = parseYaml(readFileSync(pnpmFile, "utf8")) as { packages?: unknown } | null;
    const globs = Array.isArray(doc?.packages)
      ? doc.packages.filter((g): g is string => typeof g === "string")
      : [];
    return { source: "pnpm-workspaces", packages: expandWorkspaces(root, globs) };
  }
  return undefined;
}

function servicesFromSlipwayYaml(root: string): { name: string; path: string }[] | undefined {
  const file = ["slipway.yaml", "slipway.yml"]
    .map((name) => join(root, name))
    .find((path) => existsSync(path));
  if (!file) return undefined;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: not valid YAML (${(error as Error).message})`, { cause: error });
  }
  const services = (doc as { services?: unknown } | null)?.services;
  if (!services || typeof services !== "object") return undefined;
  const declared: { name: string; path: string }[] = [];
  for (const [name, value] of Object.entries(services as Record<string, unknown>)) {
    const path = (value as { path?: unknown } | null)?.path;
    if (typeof path === "string") declared.push({ name, path: toPosix(path.replace(/^\.\//, "")) || "." });
  }
  return declared.length > 0 ? declared : undefined;
}

/** A workspace package and its package.json, read once for its name and its dependencies. */
interface WorkspacePackage {
  name: string;
  path: string;
  manifest?: PackageJson | undefined;
}

/**
 * The folders the workspace globs name that hold a package.json. Installed packages are never
 * workspaces: deep globs (with a globstar) look for the package.json files and prune node_modules
 * folders; the usual ones (`packages/*`) list their folders, one directory read each, rather than
 * reading every package's folder and matching each path against a node_modules pattern, which cost
 * several times more.
 */
function expandWorkspaces(root: string, globs: readonly string[]): WorkspacePackage[] {
  const include = globs.filter((g) => !g.startsWith("!")).map((g) => toPosix(g.replace(/^\.\//, "")));
  const ignore = globs.filter((g) => g.startsWith("!")).map((g) => g.slice(1));
  const deep = include.some((pattern) => pattern.includes("**"));
  const folders = deep
    ? globSync(
        include.map((pattern) => `${pattern}/package.json`),
        { cwd: root, ignore: [...ignore, "**/node_modules/**"] },
      ).map((file) => join(file, ".."))
    : globSync(include, { cwd: root, ignore, onlyDirectories: true, expandDirectories: false });
  return [...new Set(folders.map((folder) => toPosix(relative(root, join(root, folder)))))]
    .filter((path) => !path.split("/").includes("node_modules"))
    .sort()
    .flatMap((path) => {
      const manifest = readJson(join(root, path, "package.json"));
      return manifest ? [{ name: manifest.name ?? path, path, manifest }] : [];
    });
}

function withDependencies(
  root: string,
  services: (WorkspacePackage & { internal?: boolean })[],
): ServiceNode[] {
  const manifests = services.map((service) => ({
    service,
    manifest: "manifest" in service ? service.manifest : readJson(join(root, service.path, "package.json")),
  }));
  // Dependencies name packages; a service from slipway.yaml is known by its package's name too.
  const serviceByPackage = new Map<string, string>();
  for (const { service, manifest } of manifests) {
    serviceByPackage.set(service.name, service.name);
    if (manifest?.name) serviceByPackage.set(manifest.name, service.name);
  }
  return manifests.map(({ service, manifest }) => {
    const names = Object.keys({
      ...manifest?.dependencies,
      ...manifest?.devDependencies,
      ...manifest?.peerDependencies,
      ...manifest?.optionalDependencies,
    });
    const dependsOn = [
      ...new Set(
        names.map((n) => serviceByPackage.get(n)).filter((n): n is string => !!n && n !== service.name),
      ),
    ];
    return {
      name: service.name,
      path: service.path,
      dependsOn,
      ...(service.internal ? { internal: true } : {}),
    };
  });
}
