import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import flagdSchema from "../schema/flagd.json";
import flagsSchema from "../schema/flags.json";
import targetingSchema from "../schema/targeting.json";
import type { FlagDefinition, FlagMetadata, FlagSetDefinition, JsonValue } from "./types.js";

/** One schema violation, located by a JSON pointer into the document ("" is the whole document). */
export interface SchemaProblem {
  pointer: string;
  message: string;
}

let validator: ValidateFunction | undefined;

/** Compiled on first use: Ajv compiles the three schemas in tens of milliseconds. */
function validatorFor(): ValidateFunction {
  if (!validator) {
    // strict: false because flagd's schemas use keywords Ajv's strict mode rejects (e.g. "$comment"
    // beside "$ref"); allErrors so a file's problems are all reported at once.
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema(targetingSchema);
    ajv.addSchema(flagsSchema);
    validator = ajv.compile(flagdSchema);
  }
  return validator;
}

const VARIANT_TYPE_MESSAGE = /^must be (boolean|string|number|object)$/;

/**
 * Ajv reports every branch of an anyOf (boolean flag? string flag? …) and then the anyOf itself;
 * people need the one fact behind them. Branch summaries are dropped when a deeper error explains
 * them, and the per-branch "must be boolean / must be string …" on variants become one line.
 */
function summarize(errors: readonly ErrorObject[]): SchemaProblem[] {
  const problems = new Map<string, Set<string>>();
  const add = (pointer: string, message: string) => {
    const messages = problems.get(pointer) ?? new Set<string>();
    messages.add(message);
    problems.set(pointer, messages);
  };
  // variants pointer → the variant types (branches) that rejected some variant
  const variantTypeErrors = new Map<string, Set<string>>();
  for (const error of errors) {
    const variants = /^(\/flags\/[^/]+\/variants)\/[^/]+$/.exec(error.instancePath);
    if (variants && error.keyword === "type" && VARIANT_TYPE_MESSAGE.test(error.message ?? "")) {
      const failed = variantTypeErrors.get(variants[1]!) ?? new Set<string>();
      failed.add(VARIANT_TYPE_MESSAGE.exec(error.message ?? "")![1]!);
      variantTypeErrors.set(variants[1]!, failed);
      continue;
    }
    // "/flags must be array" next to errors inside /flags: the map branch applied, the array one did not.
    const deeper = errors.some((other) => other.instancePath.startsWith(`${error.instancePath}/`));
    if (error.keyword === "type" && deeper) continue;
    if (error.keyword === "anyOf" || error.keyword === "oneOf" || error.keyword === "allOf") {
      const explained = errors.some(
        (other) =>
          other !== error && other.instancePath.startsWith(error.instancePath) && !/Of$/.test(other.keyword),
      );
      if (explained) continue;
    }
    add(error.instancePath, describe(error));
  }
  for (const [pointer, failed] of variantTypeErrors) {
    // One branch accepted every variant: the flag's problem is elsewhere (its state, say).
    if (failed.size < 4) continue;
    // Some branch fitted all but these variants; report the variants, once.
    const flagPointer = pointer.replace(/\/variants$/, "");
    const messages = problems.get(flagPointer);
    messages?.delete("must match a schema in anyOf");
    if (messages?.size === 0) problems.delete(flagPointer);
    add(pointer, "all variants must have one type: boolean, string, number or object");
  }
  return [...problems].flatMap(([pointer, messages]) =>
    [...messages].map((message) => ({ pointer, message })),
  );
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case "additionalProperties":
      return `unknown property "${String((error.params as { additionalProperty: string }).additionalProperty)}"`;
    case "required":
      return `missing required property "${String((error.params as { missingProperty: string }).missingProperty)}"`;
    case "enum":
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return error.message ?? error.keyword;
  }
}

/** Checks a parsed flag file against flagd's published schema (flagd.json: flags as a map or an array). */
export function validateFlagDocument(document: unknown): SchemaProblem[] {
  const validate = validatorFor();
  if (validate(document)) return [];
  return summarize(validate.errors ?? []);
}

/**
 * The flag set a valid document defines. flagd's array form (`flags: [{key, …}]`) becomes a map;
 * extra problems the schema cannot express (a defaultVariant naming no variant, a key defined twice)
 * are returned, not thrown, so every problem is reported at once.
 */
export function toFlagSet(document: Record<string, unknown>): {
  set: FlagSetDefinition;
  problems: SchemaProblem[];
} {
  const problems: SchemaProblem[] = [];
  const flags: Record<string, FlagDefinition> = {};
  const raw = document.flags;
  if (raw === null || typeof raw !== "object")
    return { set: { flags, evaluators: {}, metadata: {} }, problems };
  const entries: [string, string, FlagDefinition][] = Array.isArray(raw)
    ? raw.map((flag: FlagDefinition & { key: string }, i) => [flag.key, `/flags/${i}`, flag])
    : Object.entries(raw as Record<string, FlagDefinition>).map(([key, flag]) => [
        key,
        `/flags/${escapePointer(key)}`,
        flag,
      ]);
  for (const [key, pointer, flag] of entries) {
    if (
      flag === null ||
      typeof flag !== "object" ||
      typeof flag.variants !== "object" ||
      flag.variants === null
    )
      continue;
    if (Object.hasOwn(flags, key)) problems.push({ pointer, message: `flag "${key}" is defined twice` });
    const { defaultVariant } = flag;
    if (
      typeof defaultVariant === "string" &&
      defaultVariant !== "" &&
      !Object.hasOwn(flag.variants, defaultVariant)
    ) {
      problems.push({
        pointer: `${pointer}/defaultVariant`,
        message: `defaultVariant "${defaultVariant}" is not one of the variants (${Object.keys(flag.variants).join(", ")})`,
      });
    }
    flags[key] = flag;
  }
  return {
    set: {
      flags,
      evaluators: (document.$evaluators as Record<string, JsonValue> | undefined) ?? {},
      metadata: (document.metadata as FlagMetadata | undefined) ?? {},
    },
    problems,
  };
}

export const escapePointer = (segment: string): string => segment.replaceAll("~", "~0").replaceAll("/", "~1");
export const unescapePointer = (segment: string): string =>
  segment.replaceAll("~1", "/").replaceAll("~0", "~");
