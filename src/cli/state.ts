import { openStore, type Store } from "../store/index.js";

/**
 * The CLI's composition root for the commands that read or write state: opens the Store at `url`
 * (a database path or a store URL, see openStore), hands it over, and closes it however `use` ends.
 *
 * @example const runs = await withStore(databasePath(dir, flags.db), (store) => store.runs.listRuns(20));
 */
export async function withStore<T>(url: string, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
