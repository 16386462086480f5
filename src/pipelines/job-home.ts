import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/**
 * `HOME` of a job's processes. GitHub runs one job per runner at a time, so a job owns `~`
 * (hosted runners even start from a fresh one); Slipway runs jobs side by side on one host, so
 * by default each job gets its own HOME below its job directory, removed with it: actions that
 * write fixed paths (`~/setup-pnpm`, `~/.npmrc` from setup-node's `registry-url`, `git config
 * --global`) no longer race or leak into the next job or into the host user's files.
 * `shared` keeps the host's HOME (a self-hosted runner running one job at a time).
 */
export type JobHomeMode = "isolated" | "shared";

/** User configuration copied into the job's HOME (copies: a job may change them, the host's stay). */
const SEEDED_FILES = [".npmrc", ".yarnrc", ".yarnrc.yml", ".gitconfig", ".config/git/config"];

/**
 * Tool caches and installs that live under `~` by default and are safe to share between
 * concurrent processes: pointed at the host user's copy (unless the environment already names
 * one), so an isolated HOME costs no re-downloads and host-installed toolchains stay usable.
 * `always`: set even when the folder does not exist yet (the tool creates it).
 */
const SHARED_LOCATIONS: { variable: string; path: string; always: boolean }[] = [
  { variable: "npm_config_cache", path: ".npm", always: true }, // cacache: concurrent-safe
  { variable: "COREPACK_HOME", path: ".cache/node/corepack", always: true }, // atomic renames
  { variable: "CARGO_HOME", path: ".cargo", always: false },
  { variable: "RUSTUP_HOME", path: ".rustup", always: false },
  { variable: "GOPATH", path: "go", always: false },
  { variable: "npm_config_store_dir", path: ".local/share/pnpm/store", always: false }, // pnpm's store
];

/**
 * Creates `<jobDir>/home`, seeds it with the host user's configuration files and returns the
 * variables the job's processes get on top of the host environment (nothing for `shared`).
 */
export function prepareJobHome(
  jobDir: string,
  hostEnv: Record<string, string>,
  mode: JobHomeMode,
): Record<string, string> {
  if (mode === "shared") return {};
  const hostHome = hostEnv.HOME ?? homedir();
  const home = join(jobDir, "home");
  mkdirSync(home, { recursive: true, mode: 0o700 });
  for (const file of SEEDED_FILES) {
    const from = join(hostHome, file);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(home, file)), { recursive: true });
    copyFileSync(from, join(home, file));
  }
  const env: Record<string, string> = { HOME: home };
  for (const { variable, path, always } of SHARED_LOCATIONS) {
    const hostPath = join(hostHome, path);
    if (hostEnv[variable] !== undefined || hostEnv[variable.toUpperCase()] !== undefined) continue;
    if (variable === "npm_config_cache" && npmrcSetsCache(hostHome)) continue;
    if (always || existsSync(hostPath)) env[variable] = hostPath;
  }
  return env;
}

/** The environment outranks ~/.npmrc, so a `cache=` there must not be overridden. */
function npmrcSetsCache(hostHome: string): boolean {
  try {
    return /^\s*cache\s*=/m.test(readFileSync(join(hostHome, ".npmrc"), "utf8"));
  } catch {
    return false;
  }
}
