import {
  accessSync,
  chmodSync,
  constants,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { storageFault } from "./storage-faults.js";

/** The data directory and every folder in it: the owner only (it holds password hashes, tokens, the audit). */
const PRIVATE_DIR_MODE = 0o700;
/** State files: read and write by the owner only. */
const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` with mode 0700, or takes group and other permissions off it and everything in it
 * (a data directory written before this rule, or restored from a backup with 0644 files). Owner
 * bits stay, so a release's executable scripts still run. Disk faults become SlipwayErrors naming
 * the path (a read-only folder is reported here, before anything else tries to write).
 */
export function makePrivate(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    restrict(dir);
    // A read-only mount needs no chmod above when the modes are right: ask it (EROFS) outright.
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw storageFault(error, dir) ?? error;
  }
}

/**
 * Makes the database `file` private: its folder created 0700 when new (an existing folder is left
 * alone, it may be /tmp), the file created 0600 when absent, and group and other permissions taken
 * off the file and its -wal and -shm. SQLite gives the -wal and -shm it creates the database's mode.
 */
export function makeDatabasePrivate(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    closeSync(openSync(file, "a", PRIVATE_FILE_MODE));
    for (const path of [file, `${file}-wal`, `${file}-shm`]) {
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (stat?.isFile() && (stat.mode & 0o077) !== 0) chmodSync(path, stat.mode & 0o7700);
    }
  } catch (error) {
    throw storageFault(error, file) ?? error;
  }
}

function restrict(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return; // a link's target is not ours to change
  if ((stat.mode & 0o077) !== 0) chmodSync(path, stat.mode & 0o7700);
  if (!stat.isDirectory()) return;
  for (const entry of readdirSync(path)) restrict(join(path, entry));
}
