import { spawn, spawnSync } from "node:child_process";

/** How an archive's bytes are compressed; recorded with each entry so restore uses the same tool. */
export type Compression = "zstd" | "gzip";

let detected: Compression | undefined;

/** zstd when the host has it (several times faster than gzip at a similar ratio), gzip otherwise. */
export function preferredCompression(): Compression {
  detected ??= spawnSync("zstd", ["--version"], { stdio: "ignore" }).status === 0 ? "zstd" : "gzip";
  return detected;
}

function compressFlags(compression: Compression, mode: "create" | "extract"): string[] {
  switch (compression) {
    case "zstd":
      // -T0: all cores; level 3 is zstd's default, the same trade-off actions/cache makes.
      return ["--use-compress-program", mode === "create" ? "zstd -T0 -3" : "zstd -d"];
    case "gzip":
      return ["--gzip"];
    default: {
      const unreachable: never = compression;
      return unreachable;
    }
  }
}

/**
 * Writes `entries` (paths relative to `cwd`, or absolute) into a compressed tar archive with the
 * system `tar`: it streams, keeps modes and symlinks, and is faster than any JS tar on big trees.
 */
export async function createArchive(
  archivePath: string,
  cwd: string,
  entries: readonly string[],
  compression: Compression,
): Promise<void> {
  await runTar(
    [
      "-c",
      "-f",
      archivePath,
      ...compressFlags(compression, "create"),
      "-P",
      "-C",
      cwd,
      "--null",
      "--verbatim-files-from",
      "-T",
      "-",
    ],
    entries.map((entry) => `${entry}\0`).join(""),
  );
}

/** Extracts an archive made by createArchive: relative entries land under `cwd`, absolute ones in place. */
export async function extractArchive(
  archivePath: string,
  cwd: string,
  compression: Compression,
): Promise<void> {
  await runTar(["-x", "-f", archivePath, ...compressFlags(compression, "extract"), "-P", "-C", cwd]);
}

function runTar(args: string[], stdin = ""): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("tar", args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error) => reject(new Error(`cannot run tar: ${error.message}`)));
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`tar exited with ${code}: ${stderr.trim().slice(0, 2000)}`)),
    );
    // tar may exit before reading stdin (extracting reads none): its exit status tells what went
    // wrong, an EPIPE here must not crash the process.
    child.stdin.on("error", () => undefined);
    child.stdin.end(stdin);
  });
}
