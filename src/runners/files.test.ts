import { execFileSync } from "node:child_process";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import {
  DEFAULT_UPLOAD_MAX_BYTES,
  packJobFiles,
  receiveJobFiles,
  uploadedParts,
  uploadLimitFrom,
} from "./files.js";

const dirs: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-runner-files-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const put = (root: string, path: string, text: string): void => {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), text);
};

describe("job files between a runner and the server", () => {
  it("carries the run's artifacts and the cache entries a job saved, and nothing else", async () => {
    const job = temp();
    put(job, "artifacts/7/report.json", "{}");
    put(job, "artifacts/7/report/out.txt", "out");
    put(job, "cache/abc.json", '{"key":"k"}');
    put(job, "cache/.tmp-123", "half written");
    put(job, "artifacts/8/other.json", "another run");
    const tar = packJobFiles(job, uploadedParts("7"));
    if (!tar) throw new Error("nothing packed");
    const server = temp();
    expect(await receiveJobFiles(tar, server, "7")).toBe(3);
    expect(readFileSync(join(server, "artifacts/7/report/out.txt"), "utf8")).toBe("out");
    expect(existsSync(join(server, "cache/abc.json"))).toBe(true);
    expect(existsSync(join(server, "cache/.tmp-123"))).toBe(false);
    expect(existsSync(join(server, "artifacts/8"))).toBe(false);
  });

  it("takes no links, no other run's artifacts and no other folder from a crafted upload, and keeps existing files", async () => {
    const crafted = temp();
    put(crafted, "artifacts/7/new.txt", "new");
    put(crafted, "artifacts/7/kept.txt", "replaced?");
    put(crafted, "artifacts/9/x.txt", "another run");
    put(crafted, "slipway.db", "overwritten?");
    symlinkSync("/etc/passwd", join(crafted, "artifacts/7/passwd"));
    const file = join(temp(), "upload.tgz");
    execFileSync("tar", ["-czf", file, "-C", crafted, "artifacts", "slipway.db"]);
    const server = temp();
    put(server, "artifacts/7/kept.txt", "original");
    put(server, "slipway.db", "database");
    expect(await receiveJobFiles(createReadStream(file), server, "7")).toBe(1);
    expect(readFileSync(join(server, "artifacts/7/new.txt"), "utf8")).toBe("new");
    expect(readFileSync(join(server, "artifacts/7/kept.txt"), "utf8")).toBe("original");
    expect(readFileSync(join(server, "slipway.db"), "utf8")).toBe("database");
    expect(existsSync(join(server, "artifacts/7/passwd"))).toBe(false);
    expect(existsSync(join(server, "artifacts/9"))).toBe(false);
  });

  it("refuses what is not a gzip tar, and a gzip of something else than a tar", async () => {
    const file = join(temp(), "junk");
    writeFileSync(file, "not a tar");
    await expect(receiveJobFiles(createReadStream(file), temp(), "7")).rejects.toThrow(
      /^the upload is not a gzip tar: /,
    );
    writeFileSync(file, gzipSync("not a tar either"));
    await expect(receiveJobFiles(createReadStream(file), temp(), "7")).rejects.toThrow(/^tar: /);
  });

  it("stops unpacking an upload that grows past its limit, keeps none of it, and leaves no scratch folder", async () => {
    const job = temp();
    put(job, "artifacts/7/small.txt", "small");
    put(job, "cache/zeros.bin", "\0".repeat(4 * 1024 * 1024)); // 4 MiB of zeros: a few KiB gzipped
    const file = join(temp(), "upload.tgz");
    execFileSync("tar", ["-czf", file, "-C", job, "artifacts", "cache"]);
    const server = temp();
    await expect(receiveJobFiles(createReadStream(file), server, "7", 1024 * 1024)).rejects.toThrow(
      "the upload unpacks to more than 1048576 bytes (SLIPWAY_RUNNER_UPLOAD_MAX_BYTES)",
    );
    expect(readdirSync(server)).toEqual([]);
    expect(await receiveJobFiles(createReadStream(file), server, "7", 8 * 1024 * 1024)).toBe(2);
  });

  it("reads its limit from SLIPWAY_RUNNER_UPLOAD_MAX_BYTES and refuses a value that is not a whole number", () => {
    expect(uploadLimitFrom({})).toBe(DEFAULT_UPLOAD_MAX_BYTES);
    expect(uploadLimitFrom({ SLIPWAY_RUNNER_UPLOAD_MAX_BYTES: "1000" })).toBe(1000);
    expect(() => uploadLimitFrom({ SLIPWAY_RUNNER_UPLOAD_MAX_BYTES: "10G" })).toThrow(
      /must be a positive whole number, got "10G"/,
    );
  });
});
