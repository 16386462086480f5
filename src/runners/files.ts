import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { SlipwayError } from "../core/errors.js";

/** What a job leaves for the server: its run's artifacts and the cache entries it saved. */
export const uploadedParts = (runId: string): string[] => [join("artifacts", runId), "cache"];

/**
 * A gzip tar stream of the parts of a data directory that exist; undefined when none does. The
 * runner packs what its job saved (`uploadedParts`); the server packs the run's artifacts so far,
 * for a job that downloads them.
 */
export function packJobFiles(dataDir: string, parts: readonly string[]): Readable | undefined {
  parts = parts.filter((part) => existsSync(join(dataDir, part)));
  if (parts.length === 0) return undefined;
  const tar = spawn("tar", ["-czf", "-", "-C", dataDir, ...parts], { stdio: ["ignore", "pipe", "ignore"] });
  return tar.stdout;
}

/**
 * Largest upload the server unpacks by default: GitHub's cache limit per repository. What bounds
 * the disk a runner token can fill is the unpacked size (a small gzip can unpack to terabytes), so
 * that is what is counted. Set SLIPWAY_RUNNER_UPLOAD_MAX_BYTES to change it.
 */
export const DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 ** 3;
const UPLOAD_MAX_BYTES_ENV = "SLIPWAY_RUNNER_UPLOAD_MAX_BYTES";

/** The unpacked-size limit from the server's environment; a value that is not a positive integer is refused. */
export function uploadLimitFrom(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env[UPLOAD_MAX_BYTES_ENV]?.trim();
  if (raw === undefined || raw === "") return DEFAULT_UPLOAD_MAX_BYTES;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_CONFIG",
      `${UPLOAD_MAX_BYTES_ENV} must be a positive whole number, got "${raw}"`,
    );
  }
  return value;
}

/**
 * Unpacks a gzip tar into `dir`: decompressed here, counted, and handed to `tar -x`, which stops
 * (and the promise rejects, naming the limit) as soon as more than `maxBytes` came out of the gzip.
 * The runner unpacks what the server sent with no limit; the server unpacks a runner's upload with one.
 */
export async function unpackInto(
  body: Readable,
  dir: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<void> {
  const tar = spawn("tar", ["-xf", "-", "--no-same-owner", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
  let unpacked = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      unpacked += chunk.length;
      if (unpacked <= maxBytes) done(null, chunk);
      else
        done(
          new SlipwayError(
            "SLIPWAY_INVALID_ARGUMENT",
            `the upload unpacks to more than ${maxBytes} bytes (${UPLOAD_MAX_BYTES_ENV})`,
          ),
        );
    },
  });
  const [piped, exited] = await Promise.allSettled([
    pipeline(body, createGunzip(), counted, tar.stdin).catch((error: unknown) => {
      tar.kill(); // the archive is cut short: nothing more to unpack
      throw error;
    }),
    exitOf(tar),
  ]);
  // tar may exit as soon as it has read the archive's end marker, before the last bytes are
  // written to it: a closed pipe then is no failure.
  const tarDone = exited.status === "fulfilled";
  if (piped.status === "rejected" && !(tarDone && closedEarly(piped.reason))) {
    // The stream's own failure explains tar's (which then only saw the archive end early).
    throw describeStreamError(piped.reason);
  }
  if (exited.status === "rejected") throw exited.reason;
}

const closedEarly = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_STREAM_PREMATURE_CLOSE" || code === "EPIPE";
};

function exitOf(tar: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    tar.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    tar.on("error", reject);
    tar.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`tar: ${stderr.trim() || code}`))));
  });
}

/** zlib's own words ("incorrect header check") do not say what was wrong with the upload. */
function describeStreamError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("Z_")) {
    return new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `the upload is not a gzip tar: ${(error as Error).message}`,
    );
  }
  return error;
}

/**
 * Server side: unpacks a runner's upload into a scratch directory and copies into `dataDir` only
 * regular files under the run's artifacts and the cache: a runner token cannot write anywhere
 * else (no links, no `..`, no other run's artifacts), and no more than `maxBytes` unpacked. Existing
 * files are kept (an entry is immutable once saved; an artifact name is unique per run).
 */
export async function receiveJobFiles(
  body: Readable,
  dataDir: string,
  runId: string,
  maxBytes = DEFAULT_UPLOAD_MAX_BYTES,
): Promise<number> {
  const scratch = mkdtempSync(join(dataDir, ".runner-upload-"));
  try {
    await unpackInto(body, scratch, maxBytes);
    let copied = 0;
    for (const part of uploadedParts(runId)) {
      for (const file of regularFiles(join(scratch, part))) {
        const target = join(dataDir, part, relative(join(scratch, part), file));
        if (existsSync(target)) continue;
        mkdirSync(dirname(target), { recursive: true });
        cpSync(file, target, { force: false, errorOnExist: false });
        copied++;
      }
    }
    return copied;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function* regularFiles(dir: string): Generator<string> {
  if (!existsSync(dir) || !lstatSync(dir).isDirectory()) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue; // staging and temp files of a store
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* regularFiles(path);
    else if (entry.isFile()) yield path;
  }
}
