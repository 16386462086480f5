/**
 * Flag definitions and evaluation results in flagd's and OpenFeature's vocabulary. The string unions
 * carry the same values as @openfeature/core's `StandardResolutionReasons` and `ErrorCode`, so a
 * result can be handed to an OpenFeature SDK unchanged.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Flag and flag-set metadata: flat, with string, number or boolean values (flagd schema). */
export type FlagMetadata = Record<string, string | number | boolean>;

export type FlagState = "ENABLED" | "DISABLED";

/** One flag as written in a flagd flag file, after `$ref`s to `$evaluators` are resolved. */
export interface FlagDefinition {
  state: FlagState;
  variants: Record<string, JsonValue>;
  /** Absent or null: the caller's default is returned with reason DEFAULT. */
  defaultVariant?: string | null;
  /** JsonLogic with flagd's operators; absent or `{}` means a static flag. */
  targeting?: JsonObject;
  metadata?: FlagMetadata;
}

/** A parsed flag file: the flags, the shared evaluators and the flag-set metadata. */
export interface FlagSetDefinition {
  flags: Record<string, FlagDefinition>;
  evaluators: Record<string, JsonValue>;
  metadata: FlagMetadata;
}

export type EvaluationReason = "STATIC" | "TARGETING_MATCH" | "DEFAULT" | "DISABLED" | "ERROR";

export type EvaluationErrorCode =
  "FLAG_NOT_FOUND" | "TYPE_MISMATCH" | "PARSE_ERROR" | "GENERAL" | "TARGETING_KEY_MISSING";

/** The value types a caller can ask for; `integer` and `float` are both JSON numbers. */
export type FlagValueType = "boolean" | "string" | "integer" | "float" | "object";
export const FLAG_VALUE_TYPES: readonly FlagValueType[] = ["boolean", "string", "integer", "float", "object"];

/**
 * The evaluation context: free-form attributes; `targetingKey` identifies the subject (user,
 * session) as in OpenFeature and is the default bucketing input of `fractional`.
 */
export type EvaluationContext = Record<string, JsonValue | undefined>;

/**
 * What an evaluation returns, shaped like OpenFeature's EvaluationDetails. `value` is the caller's
 * default whenever `reason` is ERROR, DISABLED, or DEFAULT without a default variant; then
 * `variant` is absent.
 */
export interface EvaluationDetails<T extends JsonValue = JsonValue> {
  key: string;
  value: T;
  variant?: string;
  reason: EvaluationReason;
  errorCode?: EvaluationErrorCode;
  errorMessage?: string;
  flagMetadata: FlagMetadata;
}

/**
 * A resolution before the caller's default is known (what OFREP sends): `value` and `variant` are
 * absent when the caller's default applies.
 */
export interface Resolution {
  key: string;
  value?: JsonValue;
  variant?: string;
  reason: EvaluationReason;
  errorCode?: EvaluationErrorCode;
  errorMessage?: string;
  flagMetadata: FlagMetadata;
}
