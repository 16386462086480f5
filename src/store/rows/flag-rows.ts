import type {
  FlagChangeAction,
  FlagWrite,
  StoredFlag,
  StoredFlagChange,
  StoredFlagDefinition,
} from "../ports/flag-store.js";

// Rows of `flags` and `flag_changes` (migration 008) as both adapters read them, and what they write.

export interface FlagRow {
  key: string;
  definition: string;
  updated_at: string;
  updated_by: string;
}

export interface ChangeRow {
  id: number;
  key: string;
  at: string;
  actor: string;
  action: FlagChangeAction;
  reason: string;
  before_definition: string | null;
  after_definition: string | null;
}

export const definitionOf = (text: string | null): StoredFlagDefinition | null =>
  text === null ? null : (JSON.parse(text) as StoredFlagDefinition);

export const flagFromRow = (row: FlagRow): StoredFlag => ({
  key: row.key,
  definition: definitionOf(row.definition) as StoredFlagDefinition,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

export const changeFromRow = (row: ChangeRow): StoredFlagChange => ({
  id: row.id,
  key: row.key,
  at: row.at,
  actor: row.actor,
  action: row.action,
  reason: row.reason,
  before: definitionOf(row.before_definition),
  after: definitionOf(row.after_definition),
});

/** The values of a `flags` upsert: key, definition, updated_at, updated_by. */
export const flagParams = (write: FlagWrite): unknown[] => [
  write.key,
  JSON.stringify(write.after),
  write.at,
  write.actor,
];

/**
 * The values of a `flag_changes` insert: key, at, actor, action, reason, before_definition,
 * after_definition. `before` is the stored definition's text as read (null when there was none).
 */
export const changeParams = (
  write: FlagWrite,
  action: FlagChangeAction,
  before: string | null,
): unknown[] => [
  write.key,
  write.at,
  write.actor,
  action,
  write.reason,
  before,
  write.after === null ? null : JSON.stringify(write.after),
];

/** The change a write recorded, as the port answers it. */
export const changeOfWrite = (
  id: number,
  write: FlagWrite,
  action: FlagChangeAction,
  before: StoredFlagDefinition | null,
): StoredFlagChange => ({
  id,
  key: write.key,
  at: write.at,
  actor: write.actor,
  action,
  reason: write.reason,
  before,
  after: write.after,
});
