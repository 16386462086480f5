import { readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The alias table the data plane serves with: `<root>/aliases.json`, `{ name: { alias: version } }`.
 * The store is the source of truth; after each move the control plane rewrites this file whole and
 * renames it into place, so a reader sees the old table or the new one, never a mix.
 */
export type AliasTable = Record<string, Record<string, string>>;
export const ALIAS_FILE = "aliases.json";

export function writeAliasTable(root: string, table: AliasTable): void {
  mkdirSync(root, { recursive: true });
  const file = join(root, ALIAS_FILE);
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, `${JSON.stringify(table, null, 2)}\n`, { mode: 0o644 });
  renameSync(temp, file);
}

/**
 * Reads the alias table, re-reading the file only when it was replaced (inode, mtime or size
 * changed): one stat per aliased request, so a move is seen by the very next request.
 */
export class AliasTableReader {
  private table: AliasTable = {};
  private stamp = "";

  constructor(private readonly root: string) {}

  current(): AliasTable {
    const file = join(this.root, ALIAS_FILE);
    let stamp: string;
    try {
      const stat = statSync(file);
      stamp = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    } catch {
      return (this.table = {});
    }
    if (stamp !== this.stamp) {
      try {
        this.table = JSON.parse(readFileSync(file, "utf8")) as AliasTable;
        this.stamp = stamp;
      } catch {
        // A file replaced between stat and read: keep the last good table, read again next time.
      }
    }
    return this.table;
  }
}
