/**
 * Feature flags defined through the API (issue 15), and the history of every change to them.
 * Flags kept in repository files are not stored: they live in the files. A definition is one flag
 * object in flagd's format, already validated by the caller (src/flags/); the store keeps it as
 * given. Times are ISO 8601 strings.
 */
export interface StoredFlagDefinition {
  state: "ENABLED" | "DISABLED";
  variants: Record<string, unknown>;
  defaultVariant?: string | null;
  targeting?: unknown;
  metadata?: Record<string, string | number | boolean>;
}

export interface StoredFlag {
  key: string;
  definition: StoredFlagDefinition;
  /** When and by whom it was last changed through the API. */
  updatedAt: string;
  updatedBy: string;
}

export type FlagChangeAction = "created" | "updated" | "enabled" | "disabled" | "deleted";

export interface StoredFlagChange {
  /** Increasing over all flags: a later change has a larger id. */
  id: number;
  key: string;
  at: string;
  actor: string;
  action: FlagChangeAction;
  reason: string;
  before: StoredFlagDefinition | null;
  after: StoredFlagDefinition | null;
}

export interface FlagWrite {
  key: string;
  /** The new definition; null deletes the flag. */
  after: StoredFlagDefinition | null;
  actor: string;
  reason: string;
  at: string;
}

export interface FlagStore {
  /** Every stored flag, sorted by key. */
  list(): Promise<StoredFlag[]>;
  get(key: string): Promise<StoredFlag | undefined>;
  /**
   * Sets (or, with `after: null`, deletes) a flag and appends the change to its history in one
   * transaction; the change's `before` is what was stored at that moment and its action follows
   * from before and after (classifyFlagChange). Answers undefined, changing nothing, when deleting
   * a flag that does not exist or writing a definition equal to the stored one.
   */
  write(write: FlagWrite): Promise<StoredFlagChange | undefined>;
  /** A flag's changes, newest first (its deletion and any earlier life included). */
  history(key: string, options?: { limit?: number }): Promise<StoredFlagChange[]>;
  /**
   * The id of the newest change of any flag (0 when none): a cheap way for a server to notice
   * that another process changed the flags.
   */
  lastChangeId(): Promise<number>;
}

/** Changes listed per flag unless asked otherwise. */
export const FLAG_HISTORY_LIMIT = 100;

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );

/** Whether two definitions say the same (key order aside). */
export function sameFlagDefinition(a: StoredFlagDefinition | null, b: StoredFlagDefinition | null): boolean {
  return canonical(a) === canonical(b);
}

/**
 * What a change did: created or deleted; enabled or disabled when only the state changed;
 * otherwise updated. Undefined when nothing changed.
 */
export function classifyFlagChange(
  before: StoredFlagDefinition | null,
  after: StoredFlagDefinition | null,
): FlagChangeAction | undefined {
  if (before === null) return after === null ? undefined : "created";
  if (after === null) return "deleted";
  if (sameFlagDefinition(before, after)) return undefined;
  if (before.state !== after.state && sameFlagDefinition({ ...before, state: after.state }, after)) {
    return after.state === "ENABLED" ? "enabled" : "disabled";
  }
  return "updated";
}
