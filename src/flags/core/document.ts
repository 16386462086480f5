import { resolveRefs } from "./compile.js";
import type { FlagDefinition, FlagMetadata, FlagSetDefinition, JsonValue } from "./types.js";

/**
 * The whole served flag set as one flagd document — what in-process providers sync from and compile
 * with the same evaluator. `compileFlagSets([documentToFlagSet(flagDocument(sets))])` evaluates
 * every flag as `compileFlagSets(sets)` does.
 */
export interface FlagDocument {
  $schema: string;
  metadata: FlagMetadata;
  $evaluators: Record<string, JsonValue>;
  flags: Record<string, FlagDefinition>;
}

export const FLAGD_SCHEMA_URL = "https://flagd.dev/schema/v0/flags.json";

/**
 * Merges flag sets the way compileFlagSets does (a later set's flag replaces an earlier one's). One
 * set is passed through as written. With several, each flag's `$ref`s are resolved against its own
 * set's evaluators (two files may define the same evaluator name differently) and its own set's
 * metadata is folded into the flag's, so the merged document evaluates as the separate sets did —
 * except that a flag's metadata also shows flag-set keys that only another set defines.
 */
export function flagDocument(sets: readonly FlagSetDefinition[]): FlagDocument {
  if (sets.length === 1) {
    const [set] = sets;
    return {
      $schema: FLAGD_SCHEMA_URL,
      metadata: set!.metadata,
      $evaluators: set!.evaluators,
      flags: set!.flags,
    };
  }
  const flags: Record<string, FlagDefinition> = {};
  let metadata: FlagMetadata = {};
  let evaluators: Record<string, JsonValue> = {};
  for (const set of sets) {
    metadata = { ...metadata, ...set.metadata };
    evaluators = { ...evaluators, ...set.evaluators };
    for (const [key, flag] of Object.entries(set.flags)) {
      flags[key] = {
        ...flag,
        ...(flag.targeting !== undefined && { targeting: inlineRefs(flag.targeting, set.evaluators) }),
        metadata: { ...set.metadata, ...flag.metadata },
      };
    }
  }
  return { $schema: FLAGD_SCHEMA_URL, metadata, $evaluators: evaluators, flags };
}

/** A `$ref` that cannot be resolved stays, so the flag answers PARSE_ERROR as it did before. */
function inlineRefs(
  targeting: NonNullable<FlagDefinition["targeting"]>,
  evaluators: Record<string, JsonValue>,
) {
  try {
    return resolveRefs(targeting, evaluators) as typeof targeting;
  } catch {
    return targeting;
  }
}

/** The flag set a document received from `GET /api/flags/document` defines. */
export function documentToFlagSet(document: FlagDocument): FlagSetDefinition {
  return { flags: document.flags, evaluators: document.$evaluators ?? {}, metadata: document.metadata ?? {} };
}
