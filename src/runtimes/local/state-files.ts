/**
 * The runtime's files under its state directory. Records are written atomically (temporary file,
 * then rename), so a control plane killed mid-write leaves either the old or the new record.
 *
 *   <stateDir>/revisions/<revision>.json   the spec the revision runs with (to supervise it after adoption)
 *   <stateDir>/instances/<instance>.json   one per instance: pid, start time, port, spec hash, state
 *   <stateDir>/logs/<instance>.log         the instance's stdout and stderr, appended across restarts
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { upgradeRevisionSpec } from "../../core/revision/upgrade.js";
import type { InstanceState, RevisionSpec } from "../port.js";

export interface RevisionRecord {
  revisionId: string;
  specHash: string;
  spec: RevisionSpec;
  /** Set before the first SIGTERM of a stop: a restarted runtime finishes the stop instead of adopting. */
  stopping?: boolean;
}

export interface InstanceRecord {
  id: string;
  revisionId: string;
  index: number;
  specHash: string;
  /** 0 while no process runs (waiting to restart, or crashed for good). */
  pid: number;
  /** /proc/<pid>/stat field 22: with the pid, the process's identity. */
  procStartTime: number;
  host: string;
  port: number;
  state: InstanceState;
  restarts: number;
  startedAt: string;
  logFile: string;
  lastError?: string;
}

/** File-name-safe and injective: keeps [A-Za-z0-9._@-], escapes anything else as ~XX. */
export function fileSlug(id: string): string {
  return id.replace(/[^A-Za-z0-9._@-]/g, (ch) =>
    [...Buffer.from(ch, "utf8")]
      .map((byte) => `~${byte.toString(16).toUpperCase().padStart(2, "0")}`)
      .join(""),
  );
}

export class StateFiles {
  readonly revisionsDir: string;
  readonly instancesDir: string;
  readonly logsDir: string;

  /** Absolute: it also marks our processes' environment (SLIPWAY_RUNTIME_DIR). */
  readonly stateDir: string;

  constructor(stateDir: string) {
    this.stateDir = resolve(stateDir);
    this.revisionsDir = join(this.stateDir, "revisions");
    this.instancesDir = join(this.stateDir, "instances");
    this.logsDir = join(this.stateDir, "logs");
    for (const dir of [this.revisionsDir, this.instancesDir, this.logsDir])
      mkdirSync(dir, { recursive: true, mode: 0o700 }); // state is the owner's only (docs/runtime.md)
  }

  logFile(instanceId: string): string {
    return join(this.logsDir, `${fileSlug(instanceId)}.log`);
  }

  writeRevision(record: RevisionRecord): void {
    writeAtomically(join(this.revisionsDir, `${fileSlug(record.revisionId)}.json`), record);
  }

  deleteRevision(revisionId: string): void {
    rmSync(join(this.revisionsDir, `${fileSlug(revisionId)}.json`), { force: true });
  }

  /** Specs written by an earlier Slipway are read in today's shape (upgradeRevisionSpec). */
  readRevisions(): RevisionRecord[] {
    return readAll(this.revisionsDir, (value) => {
      const record = value as RevisionRecord;
      return { ...record, spec: upgradeRevisionSpec(record.spec) };
    });
  }

  writeInstance(record: InstanceRecord): void {
    writeAtomically(join(this.instancesDir, `${fileSlug(record.id)}.json`), record);
  }

  deleteInstance(instanceId: string): void {
    rmSync(join(this.instancesDir, `${fileSlug(instanceId)}.json`), { force: true });
  }

  readInstances(): InstanceRecord[] {
    return readAll(this.instancesDir, (value) => value as InstanceRecord);
  }
}

function writeAtomically(file: string, value: unknown): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

function readAll<T>(dir: string, read: (value: unknown) => T): T[] {
  const records: T[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".json")) continue;
    try {
      records.push(read(JSON.parse(readFileSync(join(dir, name), "utf8"))));
    } catch {
      // A torn or foreign file: ignore it rather than refuse to start (writes are atomic, so this is rare).
    }
  }
  return records;
}
