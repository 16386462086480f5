import {
  chmodSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  closeSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqlite } from "../../src/store/sqlite/database.js";
import {
  bindReadOnly,
  cleanUp,
  fillDisk,
  isRoot,
  makeProject,
  mountTmpfs,
  NOT_ROOT,
  proxyProcesses,
  runCli,
  startUp,
  unmount,
  type RunningUp,
} from "./helpers.js";

const PAGE = 4096;
const dirs: string[] = [];
const mounts: string[] = [];
const ups: RunningUp[] = [];

afterEach(async () => {
  await Promise.all(ups.splice(0).map((up) => up.stop()));
  for (const mount of mounts.splice(0)) unmount(mount);
  for (const dir of dirs.splice(0)) cleanUp(dir);
});

function project(prefix: string): { dir: string; data: string; db: string } {
  const dir = makeProject(prefix);
  dirs.push(dir);
  const data = join(dir, ".slipway");
  return { dir, data, db: join(data, "slipway.db") };
}

/** A real Slipway database with ~100 pages of rows, checkpointed into the main file. */
function writeDatabase(file: string): number {
  const db = openSqlite(file);
  db.exec("CREATE TABLE padding (body BLOB)");
  const insert = db.prepare("INSERT INTO padding (body) VALUES (randomblob(1000))");
  db.transaction(() => {
    for (let i = 0; i < 400; i++) insert.run();
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return statSync(file).size / PAGE;
}

/** Overwrites `count` pages from page `first` (0-based) with a byte pattern no valid page has. */
function damagePages(file: string, first: number, count: number): void {
  const fd = openSync(file, "r+");
  writeSync(fd, Buffer.alloc(count * PAGE, 0xa5), 0, count * PAGE, first * PAGE);
  closeSync(fd);
}

function expectRefusedUp(
  result: { code: number | null; stderr: string },
  dir: string,
  code: string,
  file: string,
): void {
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`  ${code} (see docs/errors.md)`);
  expect(result.stderr).toContain(file);
  expect(result.stderr).not.toContain("This is a bug");
  // `slipway up` has exited: whatever proxy it started must be gone with it.
  expect(proxyProcesses(dir)).toEqual([]);
}

describe("a damaged database", () => {
  it("with a corrupt header: slipway up and slipway runs refuse it, say how to recover, leave no proxy", async () => {
    const { dir, db } = project("corrupt-header");
    writeDatabase(db);
    damagePages(db, 0, 1);

    const up = await runCli(["up", "--dir", dir, "--port", "0", "--proxy-port", "0"]);
    expectRefusedUp(up, dir, "SLIPWAY_STORE_CORRUPT", db);
    expect(up.stderr).toContain(`mv ${db} ${db}.damaged`);
    expect(up.stderr).toContain("restore your latest backup");

    const runs = await runCli(["runs", "--db", db]);
    expect(runs.code).toBe(1);
    expect(runs.stderr).toContain("SLIPWAY_STORE_CORRUPT");
    expect(runs.stderr).toContain(db);
  });

  it("with corrupt middle pages: refused at start by the integrity check, no proxy left", async () => {
    const { dir, db } = project("corrupt-middle");
    const pages = writeDatabase(db);
    damagePages(db, Math.floor(pages / 2), 3);

    const up = await runCli(["up", "--dir", dir, "--port", "0", "--proxy-port", "0"]);
    expectRefusedUp(up, dir, "SLIPWAY_STORE_CORRUPT", db);
    expect(up.stderr).toContain("quick_check");
  });

  it("moved aside as the refusal says: slipway up starts on an empty database", async () => {
    const { dir, db } = project("corrupt-recover");
    writeDatabase(db);
    damagePages(db, 0, 1);
    expect((await runCli(["up", "--dir", dir, "--port", "0", "--proxy-port", "0"])).code).toBe(1);
    rmSync(db);
    const up = await startUp(dir);
    ups.push(up);
    const health = await fetch(`${up.api}/api/health`);
    expect(health.status).toBe(200);
  });
});

describe.skipIf(!isRoot)(`a read-only data folder (${NOT_ROOT})`, () => {
  it("slipway up and slipway runs answer SLIPWAY_READ_ONLY naming the path, no proxy left", async () => {
    const { dir, data, db } = project("read-only");
    writeDatabase(db);
    bindReadOnly(data);
    mounts.push(data);

    const up = await runCli(["up", "--dir", dir, "--port", "0", "--proxy-port", "0"]);
    expectRefusedUp(up, dir, "SLIPWAY_READ_ONLY", data);
    expect(up.stderr).toContain("read-only");

    const runs = await runCli(["runs", "--db", db]);
    expect(runs.code).toBe(1);
    expect(runs.stderr).toContain("SLIPWAY_READ_ONLY");
    expect(runs.stderr).toContain(db);
  });
});

describe.skipIf(!isRoot)(`a full disk (${NOT_ROOT})`, () => {
  it("at start: slipway up answers SLIPWAY_DISK_FULL naming the file, no proxy left", async () => {
    const { dir, data } = project("full-start");
    mountTmpfs(data, "1m");
    mounts.push(data);
    fillDisk(join(data, "filler"));

    const up = await runCli(["up", "--dir", dir, "--port", "0", "--proxy-port", "0"]);
    expectRefusedUp(up, dir, "SLIPWAY_DISK_FULL", data);
    expect(up.stderr).toContain("the file system is full");
  });

  it("while serving: the API answers JSON 507 naming the database, health reports it, logged once", async () => {
    const { dir, data, db } = project("full-running");
    mountTmpfs(data, "16m");
    mounts.push(data);
    const up = await startUp(dir);
    ups.push(up);
    const headers = { authorization: `Bearer ${up.token}`, "content-type": "application/json" };
    const createToken = (name: string) =>
      fetch(`${up.api}/api/tokens`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name, role: "viewer" }),
      });
    expect((await createToken("before")).status).toBe(201);

    const filler = join(data, "filler");
    fillDisk(filler);
    for (const name of ["full-1", "full-2", "full-3"]) {
      const res = await createToken(name);
      expect(res.status).toBe(507);
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("SLIPWAY_DISK_FULL");
      expect(body.error.message).toContain(db);
    }
    const health = await fetch(`${up.api}/api/health`);
    expect(health.status).toBe(503);
    const report = (await health.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(report).toMatchObject({ ok: false, error: { code: "SLIPWAY_DISK_FULL" } });
    expect(report.error.message).toContain(db);
    // Three identical failures, one log line (the gate holds the repeats back for a minute).
    expect(up.output().match(/"msg":"request failed"/g)).toHaveLength(1);

    rmSync(filler);
    expect((await createToken("after")).status).toBe(201);
  });
});

describe("state file modes", () => {
  it("the data folder is 0700 and everything in it owner-only, also what was there before", async () => {
    const { dir, data, db } = project("modes");
    // A data folder from before the rule: world-readable folders and files.
    mkdirSync(join(data, "artifacts", "run-1"), { recursive: true });
    writeFileSync(join(data, "artifacts", "run-1", "report.txt"), "secret build output");
    writeFileSync(join(data, "artifacts", "run-1", "tool.sh"), "#!/bin/sh\n");
    chmodSync(data, 0o755);
    chmodSync(join(data, "artifacts"), 0o755);
    chmodSync(join(data, "artifacts", "run-1"), 0o755);
    chmodSync(join(data, "artifacts", "run-1", "report.txt"), 0o644);
    chmodSync(join(data, "artifacts", "run-1", "tool.sh"), 0o755);

    const up = await startUp(dir);
    ups.push(up);
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(data)).toBe(0o700);
    for (const file of [db, `${db}-wal`, `${db}-shm`, join(data, "admin-token"), join(data, "server.json")]) {
      expect([file, mode(file)]).toEqual([file, 0o600]);
    }
    expect(mode(join(data, "proxy"))).toBe(0o700);
    expect(mode(join(data, "artifacts", "run-1"))).toBe(0o700);
    expect(mode(join(data, "artifacts", "run-1", "report.txt"))).toBe(0o600);
    expect(mode(join(data, "artifacts", "run-1", "tool.sh"))).toBe(0o700); // still runs
    // And nothing anywhere under the data folder is open to group or others.
    const open: string[] = [];
    const walk = (path: string) => {
      const stat = statSync(path);
      if ((stat.mode & 0o077) !== 0) open.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
      if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    };
    walk(data);
    expect(open).toEqual([]);
  });
});
