import { accessSync, constants } from "node:fs";
import { dirname } from "node:path";
import { isSlipwayError, SlipwayError, type ErrorCode } from "../core/errors.js";

/** Codes meaning the data directory's disk or database failed, rather than the request or input. */
const STORAGE_FAULT_CODES: ReadonlySet<ErrorCode> = new Set([
  "SLIPWAY_STORE",
  "SLIPWAY_DISK_FULL",
  "SLIPWAY_READ_ONLY",
  "SLIPWAY_STORE_CORRUPT",
  "SLIPWAY_STORE_UNAVAILABLE",
]);

export const isStorageFaultCode = (code: ErrorCode): boolean => STORAGE_FAULT_CODES.has(code);

/**
 * Turns a disk or database failure (a better-sqlite3 `SqliteError`, or a Node fs error with an
 * errno code) into a SlipwayError that names the file and the cause and says what to do.
 * Answers undefined for anything else (a bug stays a bug). `file` is the file the caller was
 * using; a Node fs error's own `path` wins since it is more precise.
 */
export function storageFault(error: unknown, file?: string): SlipwayError | undefined {
  if (isSlipwayError(error)) return error;
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return undefined;
  const path = (error as { path?: unknown }).path;
  const target = typeof path === "string" ? path : (file ?? "a file under the data directory");
  const cause = `${code}: ${error.message}`;
  const kind = faultKind(code);
  switch (kind) {
    case "full":
      return new SlipwayError(
        "SLIPWAY_DISK_FULL",
        `cannot write ${target}: the file system is full (${cause}); free space there and retry`,
      );
    case "read-only":
      return readOnly(target, cause);
    case "corrupt":
      return corruptDatabase(target, cause);
    case "cannot-open":
      // SQLite says only "unable to open database file": find out whether the folder is read-only.
      if (folderIsReadOnly(target)) return readOnly(target, cause);
      return new SlipwayError(
        "SLIPWAY_STORE",
        `cannot open ${target} (${cause}); check that its folder exists and this user may write to it`,
      );
    case "io":
      return new SlipwayError(
        "SLIPWAY_STORE",
        `cannot read or write ${target} (${cause}); check the disk (dmesg) and the file's permissions`,
      );
    case "other":
      return undefined;
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

type FaultKind = "full" | "read-only" | "corrupt" | "cannot-open" | "io" | "other";

/** SQLite's extended codes ("SQLITE_IOERR_WRITE") and errno names ("ENOSPC") by what they mean. */
function faultKind(code: string): FaultKind {
  if (code === "ENOSPC" || code === "EDQUOT" || code === "SQLITE_FULL") return "full";
  if (code === "EROFS" || code.startsWith("SQLITE_READONLY")) return "read-only";
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB") return "corrupt";
  if (code.startsWith("SQLITE_CANTOPEN")) return "cannot-open";
  if (code.startsWith("SQLITE_IOERR") || code === "SQLITE_PERM" || code === "EIO") return "io";
  if (code === "EACCES" || code === "EPERM") return "io";
  return "other";
}

function readOnly(target: string, cause: string): SlipwayError {
  return new SlipwayError(
    "SLIPWAY_READ_ONLY",
    `cannot write ${target}: its file system is read-only (${cause}); remount it read-write ` +
      "(or move the data directory to a writable disk) and start again",
  );
}

/** The refusal for a damaged database: what happened, and the two ways back. */
export function corruptDatabase(file: string, cause: string): SlipwayError {
  return new SlipwayError(
    "SLIPWAY_STORE_CORRUPT",
    `the database ${file} is damaged (${cause}). Stop Slipway, move the file aside ` +
      `(mv ${file} ${file}.damaged, with its -wal and -shm files) and restore your latest backup ` +
      "to that path, or start without it for an empty history (users and tokens are lost)",
  );
}

function folderIsReadOnly(file: string): boolean {
  try {
    accessSync(dirname(file), constants.W_OK);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EROFS";
  }
}
