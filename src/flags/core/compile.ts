import { LogicEngine } from "json-logic-engine";
import {
  DEFAULT_BUCKETING_INPUT,
  endsWith,
  makeFractional,
  semVer,
  startsWith,
  type BucketingInput,
  type TargetingData,
} from "./operators.js";
import type { FlagDefinition, FlagMetadata, FlagSetDefinition, FlagState, JsonValue } from "./types.js";

/** A flag ready to evaluate: its targeting compiled once, its metadata merged with the set's. */
export interface CompiledFlag {
  readonly key: string;
  readonly state: FlagState;
  readonly variants: ReadonlyMap<string, JsonValue>;
  readonly defaultVariant: string | undefined;
  readonly metadata: FlagMetadata;
  /** Absent for a static flag. */
  readonly rule?: (data: TargetingData) => unknown;
  /** The rule reads `$flagd.*`, so evaluation must copy the context to add it. */
  readonly readsFlagd?: boolean;
  /** Set when the targeting could not be compiled; evaluation then answers PARSE_ERROR. */
  readonly parseError?: string;
}

export interface CompiledFlagSet {
  readonly flags: ReadonlyMap<string, CompiledFlag>;
  /** Flag-set metadata, returned with FLAG_NOT_FOUND. */
  readonly metadata: FlagMetadata;
}

export interface CompileOptions {
  bucketingInput?: BucketingInput;
}

const engines = new Map<BucketingInput, LogicEngine>();

/** One engine per bucketing input; json-logic-engine compiles rules to functions once per flag. */
function engineFor(input: BucketingInput): LogicEngine {
  let engine = engines.get(input);
  if (!engine) {
    engine = new LogicEngine();
    engine.addMethod("fractional", makeFractional(input));
    engine.addMethod("sem_ver", semVer, { deterministic: true });
    engine.addMethod("starts_with", startsWith, { deterministic: true });
    engine.addMethod("ends_with", endsWith, { deterministic: true });
    engines.set(input, engine);
  }
  return engine;
}

class UnknownEvaluator extends Error {}

/** Replaces every `{"$ref": "name"}` with the shared evaluator it names (evaluators may nest). */
export function resolveRefs(
  node: JsonValue,
  evaluators: Record<string, JsonValue>,
  seen: readonly string[] = [],
): JsonValue {
  if (Array.isArray(node)) return node.map((item) => resolveRefs(item, evaluators, seen));
  if (node === null || typeof node !== "object") return node;
  const keys = Object.keys(node);
  const ref = node.$ref;
  if (keys.length === 1 && typeof ref === "string") {
    if (!Object.hasOwn(evaluators, ref)) throw new UnknownEvaluator(`unknown evaluator "${ref}" in $ref`);
    if (seen.includes(ref)) throw new UnknownEvaluator(`evaluator "${ref}" refers to itself through $ref`);
    return resolveRefs(evaluators[ref]!, evaluators, [...seen, ref]);
  }
  const out: Record<string, JsonValue> = {};
  for (const key of keys) out[key] = resolveRefs(node[key]!, evaluators, seen);
  return out;
}

function compileFlag(
  key: string,
  flag: FlagDefinition,
  set: FlagSetDefinition,
  engine: LogicEngine,
): CompiledFlag {
  const base = {
    key,
    state: flag.state,
    variants: new Map(Object.entries(flag.variants)),
    // flagd treats "" like null: no default variant.
    defaultVariant: flag.defaultVariant || undefined,
    // Flag metadata wins over the flag set's.
    metadata: { ...set.metadata, ...flag.metadata },
  };
  const targeting = flag.targeting;
  if (!targeting || Object.keys(targeting).length === 0) return base;
  try {
    const logic = resolveRefs(targeting, set.evaluators);
    return {
      ...base,
      rule: engine.build(logic) as (data: TargetingData) => unknown,
      readsFlagd: JSON.stringify(logic).includes('"$flagd'),
    };
  } catch (error) {
    const reason = error instanceof UnknownEvaluator ? error.message : (error as Error).message;
    return { ...base, parseError: `invalid targeting for flag "${key}": ${reason}` };
  }
}

/**
 * Compiles flag sets, later sets overriding earlier ones flag by flag (flagd's merge of several
 * sources). A rule that cannot compile does not refuse the set: that one flag answers PARSE_ERROR,
 * as flagd does.
 */
export function compileFlagSets(
  sets: readonly FlagSetDefinition[],
  options: CompileOptions = {},
): CompiledFlagSet {
  const engine = engineFor(options.bucketingInput ?? DEFAULT_BUCKETING_INPUT);
  const flags = new Map<string, CompiledFlag>();
  let metadata: FlagMetadata = {};
  for (const set of sets) {
    metadata = { ...metadata, ...set.metadata };
    for (const [key, flag] of Object.entries(set.flags)) flags.set(key, compileFlag(key, flag, set, engine));
  }
  return { flags, metadata };
}
