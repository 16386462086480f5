import { spawn } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Readable } from "node:stream";

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

/** Runner side: unpacks what the server sent (the run's artifacts) into the job's data directory. */
export function unpackInto(body: Readable, dir: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const tar = spawn("tar", ["-xzf", "-", "--no-same-owner", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    tar.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    tar.on("error", reject);
    tar.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`tar: ${stderr.trim() || code}`))));
    body.on("error", reject);
    body.pipe(tar.stdin);
  });
}

/**
 * Server side: unpacks a runner's upload into a scratch directory and copies into `dataDir` only
 * regular files under the run's artifacts and the cache: a runner token cannot write anywhere
 * else (no links, no `..`, no other run's artifacts). Existing files are kept (an entry is
 * immutable once saved; an artifact name is unique per run).
 */
export async function receiveJobFiles(body: Readable, dataDir: string, runId: string): Promise<number> {
  const scratch = mkdtempSync(join(dataDir, ".runner-upload-"));
  try {
    await unpackInto(body, scratch);
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
