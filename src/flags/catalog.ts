import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { relative, resolve } from "node:path";
import { globSync } from "tinyglobby";
import { isSlipwayError, SlipwayError } from "../core/errors.js";
import type {
  FlagStore,
  StoredFlag,
  StoredFlagChange,
  StoredFlagDefinition,
} from "../store/ports/flag-store.js";
import { compileFlagSets, type CompiledFlagSet } from "./core/compile.js";
import { escapePointer, toFlagSet, validateFlagDocument } from "./core/schema.js";
import type { FlagDefinition, FlagSetDefinition } from "./core/types.js";
import { parseFlagFile, readFlagFile } from "./load.js";

/** A flag as the API shows it (docs/api.md, flags). */
export interface FlagView {
  key: string;
  state: "ENABLED" | "DISABLED";
  variants: Record<string, unknown>;
  defaultVariant: string | null;
  targeting?: unknown;
  metadata?: Record<string, string | number | boolean>;
  source: "api" | "file";
  file?: string;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** A flag file the control plane refused; the flags it held before keep serving. */
export interface FlagFileProblem {
  file: string;
  message: string;
  problems: string[];
}

export interface FlagCatalogOptions {
  projectDir: string;
  /** The globs of slipway.yaml's `flags:` as of now (relative to the project directory). */
  patterns: () => readonly string[];
  store: FlagStore;
  /** One line per event worth a log (reloads, refused files). */
  log: (level: "info" | "warn", message: string, detail?: Record<string, unknown>) => void;
  now?: () => number;
  /** How often files and the store are checked for changes made elsewhere; 0 = never (tests call refresh). */
  pollMs?: number;
}

interface LoadedFile {
  /** Repo-relative path. */
  file: string;
  signature: string;
  set: FlagSetDefinition;
}

export const FLAG_CATALOG_POLL_MS = 1_000;

const keyPointer = (key: string) => `/flags/${escapePointer(key)}`;

/**
 * The flags the control plane serves: the repository's flag files (slipway.yaml `flags:` globs)
 * merged with the flags defined through the API (the FlagStore). A key defined in a file belongs to
 * the file: the API refuses to edit it. A file that does not validate is refused and reported
 * (problems(), the log), and what it held before keeps serving. Files and the store are re-read
 * when they change (polled, and at once after an API change or when `refresh()` is called).
 */
export class FlagCatalog {
  private files = new Map<string, LoadedFile>();
  /** Refused files, with the size and mtime they had, so they are not re-read until they change. */
  private fileProblems = new Map<string, { problem: FlagFileProblem; signature: string }>();
  private apiFlags: StoredFlag[] = [];
  private lastChangeId = -1;
  private compiledSet: CompiledFlagSet = compileFlagSets([]);
  private servedSets: readonly FlagSetDefinition[] = [];
  private currentEtag = "";
  private readonly listeners = new Set<(etag: string) => void>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: FlagCatalogOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Loads everything once and starts polling. */
  async start(): Promise<this> {
    await this.refresh();
    const pollMs = this.options.pollMs ?? FLAG_CATALOG_POLL_MS;
    if (pollMs > 0) {
      this.timer = setInterval(() => void this.refresh().catch(() => undefined), pollMs);
      this.timer.unref();
    }
    return this;
  }

  close(): void {
    clearInterval(this.timer);
    this.listeners.clear();
  }

  /** The served flags, compiled (what OFREP evaluates). */
  compiled(): CompiledFlagSet {
    return this.compiledSet;
  }

  /** The served flag sets as defined (API set first, then files), for the flagd document. */
  sets(): readonly FlagSetDefinition[] {
    return this.servedSets;
  }

  /** Changes whenever the served flag set changes. */
  etag(): string {
    return this.currentEtag;
  }

  /** Refused flag files, each with its problems located. */
  problems(): FlagFileProblem[] {
    return [...this.fileProblems.values()].map((refused) => refused.problem);
  }

  /** Called with the new etag whenever the served set changes; returns the unsubscribe. */
  subscribe(listener: (etag: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads what changed (files by size and mtime, the store by its last change id). */
  refresh(): Promise<void> {
    // One refresh at a time; a caller arriving during one waits for the next, which sees its change.
    const run = async () => {
      const filesChanged = this.reloadFiles();
      const storeChanged = await this.reloadStore();
      if (filesChanged || storeChanged) this.recompile();
    };
    const next = (this.refreshing ?? Promise.resolve()).then(run, run);
    this.refreshing = next.finally(() => {
      if (this.refreshing === next) this.refreshing = undefined;
    });
    return next;
  }

  /** Every served flag, sorted by key. */
  list(): FlagView[] {
    const views = new Map<string, FlagView>();
    for (const stored of this.apiFlags) views.set(stored.key, apiView(stored));
    for (const loaded of this.files.values())
      for (const [key, flag] of Object.entries(loaded.set.flags))
        views.set(key, fileView(key, flag, loaded.file));
    return [...views.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get(key: string): FlagView | undefined {
    return this.list().find((flag) => flag.key === key);
  }

  /** The file that defines `key`, if a file does. */
  fileOf(key: string): string | undefined {
    for (const loaded of this.files.values()) if (Object.hasOwn(loaded.set.flags, key)) return loaded.file;
    return undefined;
  }

  history(key: string): Promise<StoredFlagChange[]> {
    return this.options.store.history(key);
  }

  /**
   * Sets a flag defined through the API after validating it as flagd would (schema, default
   * variant, targeting that compiles). Throws SLIPWAY_INVALID_FLAGS with JSON-pointer problems,
   * SLIPWAY_CONFLICT when a file defines the key. Answers the change, or undefined when the
   * definition equals the stored one.
   */
  async put(
    key: string,
    definition: unknown,
    by: { actor: string; reason: string },
  ): Promise<StoredFlagChange | undefined> {
    await this.refresh();
    this.refuseFileFlag(key);
    const valid = validateApiFlag(key, definition);
    return this.write(key, valid, by);
  }

  /** Enables or disables an API flag; SLIPWAY_NOT_FOUND when there is none. */
  async setState(
    key: string,
    state: "ENABLED" | "DISABLED",
    by: { actor: string; reason: string },
  ): Promise<StoredFlagChange | undefined> {
    await this.refresh();
    this.refuseFileFlag(key);
    const stored = await this.options.store.get(key);
    if (!stored) throw notFound(key);
    return this.write(key, { ...stored.definition, state }, by);
  }

  async remove(key: string, by: { actor: string; reason: string }): Promise<StoredFlagChange> {
    await this.refresh();
    this.refuseFileFlag(key);
    const change = await this.write(key, null, by);
    if (!change) throw notFound(key);
    return change;
  }

  private async write(
    key: string,
    after: StoredFlagDefinition | null,
    by: { actor: string; reason: string },
  ): Promise<StoredFlagChange | undefined> {
    const change = await this.options.store.write({
      key,
      after,
      actor: by.actor,
      reason: by.reason,
      at: new Date(this.now()).toISOString(),
    });
    await this.refresh();
    return change;
  }

  private refuseFileFlag(key: string): void {
    const file = this.fileOf(key);
    if (file !== undefined) {
      throw new SlipwayError(
        "SLIPWAY_CONFLICT",
        `flag "${key}" is defined in ${file}: change it there (flags from files are read-only through the API)`,
      );
    }
  }

  /** True when the set of files or any file's contents changed. */
  private reloadFiles(): boolean {
    const dir = resolve(this.options.projectDir);
    let paths: string[];
    try {
      paths = globSync([...this.options.patterns()], { cwd: dir, onlyFiles: true, absolute: true }).sort();
    } catch (error) {
      this.options.log("warn", "flags: cannot list the flag files", { error: String(error) });
      return false;
    }
    let changed = false;
    const seen = new Set<string>();
    for (const path of paths) {
      const file = relative(dir, path);
      seen.add(file);
      const signature = signatureOf(path);
      const known = this.files.get(file);
      const problem = this.fileProblems.get(file);
      if (known?.signature === signature || problem?.signature === signature) continue;
      try {
        const set = parseFlagFile(file, readFlagFile(path));
        this.files.set(file, { file, signature, set });
        if (this.fileProblems.delete(file) || known)
          this.options.log("info", `flags: reloaded ${file}`, { flags: Object.keys(set.flags).length });
        changed = true;
      } catch (error) {
        const refused = describe(file, error);
        this.fileProblems.set(file, { problem: refused, signature });
        this.options.log(
          "warn",
          known
            ? `flags: refused the change to ${file}, still serving its previous flags`
            : `flags: refused ${file}`,
          { problems: refused.problems },
        );
      }
    }
    for (const file of [...this.files.keys()])
      if (!seen.has(file)) {
        this.files.delete(file);
        this.options.log("info", `flags: ${file} is gone; its flags are no longer served`);
        changed = true;
      }
    for (const file of [...this.fileProblems.keys()]) if (!seen.has(file)) this.fileProblems.delete(file);
    return changed;
  }

  private async reloadStore(): Promise<boolean> {
    const last = await this.options.store.lastChangeId();
    if (last === this.lastChangeId) return false;
    this.apiFlags = await this.options.store.list();
    this.lastChangeId = last;
    return true;
  }

  private recompile(): void {
    // The API's flags first: a file's flag of the same key replaces it (files win).
    const apiSet: FlagSetDefinition = {
      flags: Object.fromEntries(this.apiFlags.map((f) => [f.key, f.definition as FlagDefinition])),
      evaluators: {},
      metadata: {},
    };
    const fileSets = [...this.files.values()].sort((a, b) => (a.file < b.file ? -1 : 1)).map((f) => f.set);
    this.servedSets = [apiSet, ...fileSets];
    this.compiledSet = compileFlagSets(this.servedSets);
    const etag = createHash("sha1")
      .update(JSON.stringify([this.apiFlags.map((f) => [f.key, f.definition]), fileSets]))
      .digest("base64url");
    if (etag === this.currentEtag) return;
    this.currentEtag = etag;
    for (const listener of this.listeners) listener(etag);
  }
}

function signatureOf(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return "missing";
  }
}

function describe(file: string, error: unknown): FlagFileProblem {
  if (isSlipwayError(error)) {
    return { file, message: error.message, problems: error.details.problems ?? [error.message] };
  }
  return { file, message: String(error), problems: [String(error)] };
}

function notFound(key: string): SlipwayError {
  return new SlipwayError("SLIPWAY_NOT_FOUND", `no flag "${key}" defined through the API`);
}

function apiView(stored: StoredFlag): FlagView {
  return {
    ...definitionView(stored.key, stored.definition as FlagDefinition),
    source: "api",
    updatedAt: stored.updatedAt,
    updatedBy: stored.updatedBy,
  };
}

function fileView(key: string, flag: FlagDefinition, file: string): FlagView {
  return { ...definitionView(key, flag), source: "file", file, updatedAt: null, updatedBy: null };
}

function definitionView(key: string, flag: FlagDefinition) {
  return {
    key,
    state: flag.state,
    variants: flag.variants,
    defaultVariant: flag.defaultVariant ?? null,
    ...(flag.targeting !== undefined && { targeting: flag.targeting }),
    ...(flag.metadata !== undefined && { metadata: flag.metadata }),
  };
}

/**
 * Checks one flag given through the API as if it were `{ "flags": { key: definition } }` in a flag
 * file: flagd's schema, a default variant that names a variant, and a targeting rule that compiles
 * (an API flag has no `$evaluators` to refer to). Problems are JSON pointers into that document.
 */
export function validateApiFlag(key: string, definition: unknown): StoredFlagDefinition {
  const document = { flags: { [key]: definition } };
  const problems = [...validateFlagDocument(document), ...toFlagSet(document).problems];
  if (problems.length === 0) {
    const compiled = compileFlagSets([toFlagSet(document).set]).flags.get(key);
    if (compiled?.parseError)
      problems.push({ pointer: `${keyPointer(key)}/targeting`, message: compiled.parseError });
  }
  if (problems.length > 0) {
    const lines = problems.map((p) => `${p.pointer === "" ? "/" : p.pointer}: ${p.message}`);
    throw new SlipwayError(
      "SLIPWAY_INVALID_FLAGS",
      lines.length === 1
        ? `flag "${key}" is not valid: ${lines[0]}`
        : `flag "${key}" has ${lines.length} problems`,
      { problems: lines },
    );
  }
  return definition as StoredFlagDefinition;
}
