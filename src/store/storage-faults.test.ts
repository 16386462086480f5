import { describe, expect, it } from "vitest";
import { storageFault } from "./storage-faults.js";

/** An error shaped as better-sqlite3's SqliteError or Node's fs errors: a message and a code. */
const failure = (code: string, message: string, path?: string) =>
  Object.assign(new Error(message), { code, ...(path ? { path } : {}) });

describe("storageFault", () => {
  it.each([
    ["SQLITE_FULL", "SLIPWAY_DISK_FULL"],
    ["ENOSPC", "SLIPWAY_DISK_FULL"],
    ["SQLITE_READONLY_DIRECTORY", "SLIPWAY_READ_ONLY"],
    ["EROFS", "SLIPWAY_READ_ONLY"],
    ["SQLITE_CORRUPT", "SLIPWAY_STORE_CORRUPT"],
    ["SQLITE_NOTADB", "SLIPWAY_STORE_CORRUPT"],
    ["SQLITE_IOERR_WRITE", "SLIPWAY_STORE"],
    ["EACCES", "SLIPWAY_STORE"],
  ])("%s becomes %s naming the file and the cause", (code, expected) => {
    const fault = storageFault(failure(code, "it failed"), "/data/.slipway/slipway.db");
    expect(fault?.code).toBe(expected);
    expect(fault?.message).toContain("/data/.slipway/slipway.db");
    expect(fault?.message).toContain(`${code}: it failed`);
  });

  it("prefers the path an fs error carries over the caller's file", () => {
    const fault = storageFault(failure("ENOSPC", "no space", "/data/.slipway/cache/x.tgz"), "/data/.slipway");
    expect(fault?.message).toContain("/data/.slipway/cache/x.tgz");
  });

  it("leaves anything else alone (a bug stays a bug)", () => {
    expect(storageFault(new TypeError("x is undefined"))).toBeUndefined();
    expect(storageFault(failure("ECONNREFUSED", "refused"))).toBeUndefined();
    expect(storageFault("a string")).toBeUndefined();
  });
});
