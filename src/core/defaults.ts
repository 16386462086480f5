/**
 * Every default in one place, reused by --help, the docs and the code (kamal-proxy keeps its
 * DefaultDeployTimeout & co. in one block for the same reason).
 */
export const DEFAULTS = {
  /** Data directory, relative to the project (repository) root. */
  dataDir: ".slipway",
  /** SQLite database file inside the data directory. */
  databaseFile: "slipway.db",
  /**
   * Largest database (with its WAL) whose every page is checked at start (`PRAGMA quick_check`:
   * 10-13 ms per MB on the 2-core test machine under load, bench/store-quick-check.mjs, so at most
   * ~3 s); a larger one gets only a schema read so the start stays quick.
   */
  integrityCheckMaxBytes: 256 * 1024 ** 2,
  /** How often one repeated failure (the same message) is logged again while it lasts. */
  repeatedFailureLogMs: 60_000,
  /** Runner labels the host answers to, matched against `runs-on`. */
  hostLabels: ["self-hosted", "linux", "x64", "ubuntu-latest", "ubuntu-24.04", "ubuntu-22.04", "ubuntu-*"],
  /** Default shell for `run:` steps, as on GitHub's Linux runners. */
  bashShell: "bash --noprofile --norc -eo pipefail {0}",
  /** Job timeout when `timeout-minutes` is absent, as on GitHub. */
  jobTimeoutMinutes: 360,
  /** Size limit of the actions/cache store (<dataDir>/cache), as GitHub's 10 GB per repository; LRU eviction beyond. Override: SLIPWAY_CACHE_MAX_BYTES. */
  cacheMaxBytes: 10 * 1024 ** 3,
  /** upload-artifact's retention-days when not given, as on GitHub. */
  artifactRetentionDays: 90,
  /** `slipway proxy`: traffic listener, admin API listener, state directory, worker processes. */
  proxyListen: "127.0.0.1:8080",
  proxyAdmin: "127.0.0.1:8081",
  proxyStateDir: ".slipway/proxy",
  proxyWorkers: 1,
  /** `slipway server` / `slipway up`: the control plane's HTTP API (loopback), and the CLI's default SLIPWAY_URL. */
  serverPort: 7070,
  /** `slipway up`: the traffic port when --proxy-port is not given. */
  upProxyPort: 8080,
  /** Dashboard sign-in session lifetime (issue 7). */
  sessionTtlHours: 12,
  /** How long a held rollout waits for an approval before it expires (issue 7). */
  approvalTtlHours: 24,
  /** Per-token (per-user) API rate limit: burst size and sustained requests per second (issue 7). */
  rateLimitBurst: 120,
  rateLimitPerSecond: 20,
} as const;
