import { existsSync, readFileSync } from "node:fs";
import { basename, join, sep } from "node:path";
import { globSync } from "tinyglobby";
import { parse as parseYaml } from "yaml";
import { discoverServices } from "../../affected/discover.js";

/** A folder `slipway init` proposes as a service, and why it was picked. */
export interface FoundService {
  /** Relative to the repository root, "/"-separated; "." for the root itself. */
  path: string;
  /** The package.json `name`, else the folder's name (made into a valid service name later). */
  label: string;
  /** `npm start` when package.json has a start script; undefined when someone must write one. */
  start?: string;
  build?: string;
  /** "npm workspace", "start script", ".github/workflows/ci.yml paths" (joined when several). */
  reasons: string[];
}

interface PackageJson {
  name?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}

function readPackage(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
  } catch {
    return undefined;
  }
}

const IGNORED = ["**/node_modules/**", "**/.git/**", "**/.slipway/**", "**/dist/**", "**/build/**"];
const posix = (path: string): string => path.split(sep).join("/");

/**
 * Services in the repository at `root`, from three sources: npm/yarn/pnpm workspaces, folders (up to
 * two levels deep) whose package.json has a `start` script, and the folders named by the workflows'
 * `paths:` filters. A folder is proposed once, with every reason it was found for.
 */
export function detectServices(root: string): FoundService[] {
  const found = new Map<string, FoundService>();
  const add = (path: string, reason: string): void => {
    const entry = found.get(path);
    if (entry) {
      if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
      return;
    }
    const pkg = readPackage(join(root, path));
    const scripts = pkg?.scripts ?? {};
    const install = pkg && Object.keys(pkg.dependencies ?? {}).length > 0 ? "npm install --omit=dev" : "";
    const build = scripts.build ? "npm install && npm run build" : install || undefined;
    found.set(path, {
      path,
      label: pkg?.name ?? (path === "." ? basename(root) : basename(path)),
      ...(scripts.start ? { start: "npm start" } : {}),
      ...(build ? { build } : {}),
      reasons: [reason],
    });
  };

  let workspaces: { path: string }[] = [];
  try {
    const discovered = discoverServices(root);
    if (discovered.source === "npm-workspaces" || discovered.source === "pnpm-workspaces")
      workspaces = discovered.services;
  } catch {
    // an unreadable package.json: the other two sources still apply
  }
  for (const ws of workspaces) add(ws.path, "workspace");

  for (const file of globSync(["package.json", "*/package.json", "*/*/package.json"], {
    cwd: root,
    ignore: IGNORED,
  })) {
    const dir = posix(file).replace(/\/?package\.json$/, "") || ".";
    // The workspace root's own start script usually starts everything at once: not one service.
    if (dir === "." && workspaces.length > 0) continue;
    if (readPackage(join(root, dir))?.scripts?.start) add(dir, "start script");
  }

  for (const [workflow, prefixes] of workflowPathPrefixes(root)) {
    for (const prefix of prefixes) add(prefix, `${workflow} paths`);
  }
  return [...found.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Folders named by `on.<event>.paths` in .github/workflows: the part of each pattern before its
 * first glob character, when that is an existing folder (`services/web/**` → services/web).
 */
function workflowPathPrefixes(root: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const file of globSync([".github/workflows/*.yml", ".github/workflows/*.yaml"], { cwd: root })) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(join(root, file), "utf8"));
    } catch {
      continue; // `slipway run` reports a broken workflow; init only looks for hints
    }
    const on = (doc as { on?: unknown } | null)?.on;
    if (!on || typeof on !== "object") continue;
    const prefixes = new Set<string>();
    for (const trigger of Object.values(on as Record<string, unknown>)) {
      const paths = (trigger as { paths?: unknown } | null)?.paths;
      if (!Array.isArray(paths)) continue;
      for (const pattern of paths) {
        if (typeof pattern !== "string" || pattern.startsWith("!")) continue;
        const staticPart = staticPrefix(pattern.replace(/^\.\//, ""));
        if (staticPart && existsSync(join(root, staticPart, "package.json"))) prefixes.add(staticPart);
      }
    }
    if (prefixes.size > 0) result.set(posix(file), [...prefixes]);
  }
  return result;
}

/** "services/web/**" → "services/web"; "src/*.ts" → "src"; "*.md" → "". */
function staticPrefix(pattern: string): string {
  const kept: string[] = [];
  for (const part of pattern.split("/")) {
    if (/[*?[{]/.test(part)) break;
    kept.push(part);
  }
  return kept.join("/");
}
