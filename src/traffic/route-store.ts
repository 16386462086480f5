import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, open, rename } from "node:fs/promises";
import { join } from "node:path";
import { SlipwayError } from "../core/errors.js";
import type { RouteTable } from "../core/traffic/index.js";
import { parseRouteTable } from "./route-table-schema.js";

export const ROUTES_FILE = "routes.json";

export const EMPTY_TABLE: RouteTable = { generation: 0, routes: [] };

/** The table persisted by the last successful PUT, or the empty table on a first start. */
export function loadRoutes(stateDir: string): RouteTable {
  const file = join(stateDir, ROUTES_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return EMPTY_TABLE;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SlipwayError("SLIPWAY_INVALID_CONFIG", `${file}:1:1: not JSON (${(error as Error).message})`);
  }
  const parsed = parseRouteTable(value);
  if (!parsed.ok) throw new SlipwayError("SLIPWAY_INVALID_CONFIG", `${file}:1:1: ${parsed.error}`);
  return parsed.table;
}

/**
 * Writes the table durably before the admin API acknowledges it: temp file, fsync, rename, so a
 * crash leaves either the old or the new table on disk, never half of one. Asynchronous, so a slow
 * disk never stalls the traffic sharing this event loop.
 */
export async function saveRoutes(stateDir: string, table: RouteTable): Promise<void> {
  await writeRoutes(stateDir, table, { sync: true });
}

/**
 * Writes the table through a temp file and a rename: a crash of this process (or a kill) leaves the
 * old or the new table, never half of one. Without `sync` the data may still sit in the page cache:
 * `syncRoutes` makes it survive an OS crash or power loss too.
 */
export async function writeRoutes(
  stateDir: string,
  table: RouteTable,
  opts: { sync?: boolean } = {},
): Promise<void> {
  const file = join(stateDir, ROUTES_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  const text = `${JSON.stringify(table, null, 2)}\n`;
  if (!opts.sync) {
    // Without an fsync, in one go on this thread: a table of a few kilobytes costs the event loop a
    // fraction of a millisecond, where five thread-pool round trips (mkdir, open, write, close,
    // rename) held a cutover's acknowledgement ~5 ms behind the switch on a busy machine.
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(temp, text, { mode: 0o600 });
    renameSync(temp, file);
    return;
  }
  await mkdir(stateDir, { recursive: true });
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

/** fsync of routes.json and of its directory (the rename): the written table survives an OS crash. */
export async function syncRoutes(stateDir: string): Promise<void> {
  for (const path of [join(stateDir, ROUTES_FILE), stateDir]) {
    const handle = await open(path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
