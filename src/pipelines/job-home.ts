import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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
  // Playwright's browsers (hundreds of MB per browser): installs take a lock (`__dirlock`).
  { variable: "PLAYWRIGHT_BROWSERS_PATH", path: ".cache/ms-playwright", always: true },
];

/** What every job of a run gets from the host user's HOME: the files to seed, the variables. */
interface HomeSeed {
  files: { path: string; content: Buffer; mode: number }[];
  env: Record<string, string>;
  /** The variables naming the user's npm config file, to point at the job's copy. */
  npmUserConfig: string[];
}

/**
 * `npm run` and `npx` tell their child processes where the user's npm config is
 * (`npm_config_userconfig`, the host user's ~/.npmrc): a job under `npm test` or `npx slipway run`
 * would read and write the host's file through it (`npm config set` rewrote it). That file is the
 * one seeded as the job's ~/.npmrc, and the variable then names the job's copy.
 */
const NPM_USERCONFIG = ["npm_config_userconfig", "NPM_CONFIG_USERCONFIG"];

/**
 * The host's side of the jobs' HOMEs, read once per run (per host environment object) rather than
 * once per job: a trivial job should cost a folder and a few small writes, not a dozen lookups.
 */
const seeds = new WeakMap<Record<string, string>, HomeSeed>();

function homeSeed(hostEnv: Record<string, string>): HomeSeed {
  const known = seeds.get(hostEnv);
  if (known) return known;
  const hostHome = hostEnv.HOME ?? homedir();
  const files: HomeSeed["files"] = [];
  const npmUserConfig = NPM_USERCONFIG.filter((variable) => nonEmpty(hostEnv[variable]));
  for (const file of SEEDED_FILES) {
    try {
      const named = file === ".npmrc" ? npmUserConfig.map((v) => hostEnv[v])[0] : undefined;
      const from = named ?? join(hostHome, file);
      const { mode } = statSync(from);
      files.push({ path: file, content: readFileSync(from), mode: mode & 0o777 });
    } catch {
      // Not there (or not readable): nothing to seed.
    }
  }
  const env: Record<string, string> = {};
  for (const { variable, path, always } of SHARED_LOCATIONS) {
    const hostPath = join(hostHome, path);
    if (hostEnv[variable] !== undefined || hostEnv[variable.toUpperCase()] !== undefined) continue;
    if (variable === "npm_config_cache" && npmrcSetsCache(hostHome)) continue;
    if (always || existsSync(hostPath)) env[variable] = hostPath;
  }
  const seed = { files, env, npmUserConfig };
  seeds.set(hostEnv, seed);
  return seed;
}

/**
 * Creates `<jobDir>/home`, seeds it with (copies of) the host user's configuration files and
 * returns the variables the job's processes get on top of the host environment (nothing for
 * `shared`). The host's files are read once per run, see homeSeed().
 */
export function prepareJobHome(
  jobDir: string,
  hostEnv: Record<string, string>,
  mode: JobHomeMode,
): Record<string, string> {
  if (mode === "shared") return {};
  const seed = homeSeed(hostEnv);
  const home = join(jobDir, "home");
  mkdirSync(home, { mode: 0o700 });
  for (const file of seed.files) {
    const to = join(home, file.path);
    if (file.path.includes("/")) mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, file.content, { mode: file.mode });
  }
  const env: Record<string, string> = { HOME: home, ...seed.env };
  for (const variable of seed.npmUserConfig) env[variable] = join(home, ".npmrc");
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

const nonEmpty = (value: string | undefined): boolean => value !== undefined && value !== "";
