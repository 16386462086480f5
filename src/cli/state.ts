import { join, resolve } from "node:path";
import { DEFAULTS } from "../core/defaults.js";
import type { Store } from "../store/index.js";

/** `--database`'s help, the same on every command that opens state. */
export const DATABASE_HELP =
  "state database: postgres://user:password@host:port/db or a SQLite file (default: SLIPWAY_DATABASE or <dir>/.slipway/slipway.db)";

/** A URL (postgres://…, sqlite:…) as given; anything else is a file path, resolved. Two letters at least, so "C:\…" is a path. */
const asStoreUrl = (value: string): string => (/^[a-z][a-z0-9+.-]+:/i.test(value) ? value : resolve(value));

/**
 * Where a command's state is: `--database`, then SLIPWAY_DATABASE, then `fallback` (the project's
 * `.slipway/slipway.db` unless a command names another).
 */
export function stateUrl(database: string | undefined, fallback: string): string {
  const chosen = database ?? process.env.SLIPWAY_DATABASE;
  return chosen ? asStoreUrl(chosen) : fallback;
}

/** The project's own SQLite file: `<dir>/.slipway/slipway.db`. */
export const projectDatabase = (dir: string): string =>
  join(resolve(dir), DEFAULTS.dataDir, DEFAULTS.databaseFile);

/**
 * The CLI's composition root for the commands that read or write state: opens the Store at `url`
 * (a database path or a store URL, see openStore), hands it over, and closes it however `use` ends.
 *
 * @example const runs = await withStore(stateUrl(flags.database, projectDatabase(dir)), (store) => store.runs.listRuns(20));
 */
export async function withStore<T>(url: string, use: (store: Store) => Promise<T>): Promise<T> {
  // Loaded here, not at start: `slipway <command> --help` needs no database driver.
  const { openStore } = await import("../store/index.js");
  const store = await openStore(url);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
