import { createHash } from "node:crypto";
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** One uploaded artifact of a run, as recorded in `<runId>/<name>.json`. */
export interface ArtifactRecord {
  name: string;
  runId: string;
  fileCount: number;
  sizeBytes: number;
  /** sha256 over the sorted relative paths and their contents, like upload-artifact's digest output. */
  digest: string;
  createdAt: number;
  expiresAt: number;
}

/** A file to upload: where it is, and the path it gets inside the artifact. */
export interface ArtifactFile {
  absolutePath: string;
  relativePath: string;
}

const DAY_MS = 86_400_000;
// upload-artifact rejects these characters in names because they are not portable file names.
const FORBIDDEN_NAME = /["':<>|*?\r\n\\/]/;

export function validateArtifactName(name: string): string | undefined {
  if (name.trim() === "") return "the artifact name is empty";
  if (FORBIDDEN_NAME.test(name)) {
    return `the artifact name ${JSON.stringify(name)} contains one of the forbidden characters " : < > | * ? \\r \\n \\ /`;
  }
  if (name === "." || name === "..")
    return `the artifact name ${JSON.stringify(name)} is not a valid file name`;
  return undefined;
}

/**
 * Artifacts of each run under `<root>/<runId>/<name>/`, kept as plain files: jobs on the same host
 * download them with a copy, no archive round trip. Each expires after its retention period.
 */
export class ArtifactStore {
  private readonly now: () => number;
  constructor(
    private readonly root: string,
    now?: () => number,
  ) {
    this.now = now ?? Date.now;
  }

  async upload(
    runId: string,
    name: string,
    files: readonly ArtifactFile[],
    options: { retentionDays: number; overwrite?: boolean },
  ): Promise<ArtifactRecord> {
    const invalid = validateArtifactName(name);
    if (invalid) throw new Error(invalid);
    const runDir = join(this.root, runId);
    const metaPath = join(runDir, `${name}.json`);
    if (await exists(metaPath)) {
      if (!options.overwrite) {
        throw new Error(
          `an artifact named ${JSON.stringify(name)} already exists in this run (set overwrite: true to replace it)`,
        );
      }
      await this.delete(runId, name);
    }
    const staging = join(runDir, `.staging-${name}-${process.pid}-${this.now()}`);
    const hash = createHash("sha256");
    let sizeBytes = 0;
    try {
      for (const file of [...files].sort((a, b) => a.relativePath.localeCompare(b.relativePath))) {
        const target = join(staging, file.relativePath);
        await mkdir(dirname(target), { recursive: true });
        await cp(file.absolutePath, target, { preserveTimestamps: true });
        const content = await readFile(target);
        hash.update(file.relativePath).update("\0").update(content);
        sizeBytes += content.length;
      }
      await mkdir(staging, { recursive: true });
      await rename(staging, join(runDir, name));
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const createdAt = this.now();
    const record: ArtifactRecord = {
      name,
      runId,
      fileCount: files.length,
      sizeBytes,
      digest: hash.digest("hex"),
      createdAt,
      expiresAt: createdAt + options.retentionDays * DAY_MS,
    };
    await writeFile(metaPath, JSON.stringify(record, null, 2), { mode: 0o600 });
    return record;
  }

  /** Live (unexpired) artifacts of a run, by name. */
  async list(runId: string): Promise<ArtifactRecord[]> {
    const runDir = join(this.root, runId);
    let names: string[];
    try {
      names = await readdir(runDir);
    } catch {
      return [];
    }
    const records: ArtifactRecord[] = [];
    for (const file of names.filter((n) => n.endsWith(".json"))) {
      const record = JSON.parse(await readFile(join(runDir, file), "utf8")) as ArtifactRecord;
      if (record.expiresAt > this.now()) records.push(record);
    }
    return records.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Copies artifact `name`'s files into `destination`; throws naming the artifacts that do exist. */
  async download(runId: string, name: string, destination: string): Promise<ArtifactRecord> {
    const record = (await this.list(runId)).find((r) => r.name === name);
    if (!record) {
      const available = (await this.list(runId)).map((r) => r.name);
      throw new Error(
        `no artifact named ${JSON.stringify(name)} in run ${runId}` +
          (available.length ? ` (available: ${available.join(", ")})` : " (the run has no artifacts)"),
      );
    }
    await mkdir(destination, { recursive: true });
    await cp(join(this.root, runId, name), destination, { recursive: true, preserveTimestamps: true });
    return record;
  }

  async delete(runId: string, name: string): Promise<void> {
    await rm(join(this.root, runId, name), { recursive: true, force: true });
    await rm(join(this.root, runId, `${name}.json`), { force: true });
  }

  /** Deletes every expired artifact (all runs); returns how many went. */
  async pruneExpired(): Promise<number> {
    let runs: string[];
    try {
      runs = await readdir(this.root);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const runId of runs) {
      const runDir = join(this.root, runId);
      for (const file of (await readdir(runDir)).filter((n) => n.endsWith(".json"))) {
        const record = JSON.parse(await readFile(join(runDir, file), "utf8")) as ArtifactRecord;
        if (record.expiresAt <= this.now()) {
          await this.delete(runId, record.name);
          removed++;
        }
      }
      if ((await readdir(runDir)).length === 0) await rm(runDir, { recursive: true, force: true });
    }
    return removed;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
