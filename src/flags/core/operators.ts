import semver from "semver";
import { murmur3Utf8 } from "./murmur3.js";

/**
 * flagd's custom JsonLogic operators. Each returns null on bad input rather than throwing or
 * returning false, so a rule built on a broken operator falls back to the default variant instead of
 * looking up a variant named "false" (flagd-testbed's operator-error scenarios).
 */

/**
 * The evaluation data a rule sees: the caller's context, plus `$flagd` (flagKey, timestamp) when
 * the rule reads it; rules that do not are given the caller's context as it is, uncopied.
 */
export interface TargetingData {
  targetingKey?: unknown;
  $flagd?: { flagKey: string; timestamp: number };
  [attribute: string]: unknown;
}

/**
 * The key of the flag whose rule is running. Rules run synchronously and never evaluate another
 * flag, so one slot suffices; it spares copying every context just to carry the key to fractional.
 */
let evaluatingFlagKey = "";
export function setEvaluatingFlag(key: string): void {
  evaluatingFlagKey = key;
}

/**
 * How `fractional` turns its input into hashed bytes. `flagd-utf8-concat`: the UTF-8 bytes of
 * flagKey + targetingKey, or of the bucketing expression's string as given. flagd is moving to a
 * new encoding; a new name here will select it without changing existing assignments silently.
 */
export type BucketingInput = "flagd-utf8-concat";
export const DEFAULT_BUCKETING_INPUT: BucketingInput = "flagd-utf8-concat";

/** flagd refuses weights whose sum does not fit a signed 32-bit integer. */
const MAX_TOTAL_WEIGHT = 2_147_483_647;

type BucketVariant = string | number | boolean | null;

function bucketingBytesFor(
  input: BucketingInput,
  args: readonly unknown[],
  data: TargetingData,
): { text: string; buckets: readonly unknown[] } | null {
  switch (input) {
    case "flagd-utf8-concat": {
      if (typeof args[0] === "string") return { text: args[0], buckets: args.slice(1) };
      // No bucketing expression: the flag key salts the targeting key, so two flags with the same
      // split do not assign the same users to the same side.
      const targetingKey = data.targetingKey;
      if (typeof targetingKey !== "string" && typeof targetingKey !== "number") return null;
      if (!targetingKey) return null;
      return { text: evaluatingFlagKey + String(targetingKey), buckets: args };
    }
    default: {
      const unreachable: never = input;
      return unreachable;
    }
  }
}

/**
 * The bucket of a 32-bit hash among `totalWeight` slots: (hash × totalWeight) >> 32, exact in
 * 64-bit arithmetic. The product can reach 2^63, beyond a double's 53 bits, so it is split into
 * 16-bit halves: floor((hi·W·2^16 + lo·W) / 2^32) = floor((hi·W + floor(lo·W / 2^16)) / 2^16).
 */
export function bucketOf(hash: number, totalWeight: number): number {
  const hi = hash >>> 16;
  const lo = hash & 0xffff;
  return Math.floor((hi * totalWeight + Math.floor((lo * totalWeight) / 65536)) / 65536);
}

export function makeFractional(input: BucketingInput) {
  return function fractional(args: unknown, data: TargetingData): BucketVariant {
    if (!Array.isArray(args) || args.length === 0) return null;
    const bucketing = bucketingBytesFor(input, args, data);
    if (!bucketing) return null;
    const variants: BucketVariant[] = [];
    const weights: number[] = [];
    let totalWeight = 0;
    for (const entry of bucketing.buckets) {
      if (!Array.isArray(entry) || entry.length === 0 || entry.length > 2) return null;
      const variant: unknown = entry[0];
      if (variant === null || variant === undefined) variants.push(null);
      else if (typeof variant === "string" || typeof variant === "number" || typeof variant === "boolean")
        variants.push(variant);
      else return null;
      let weight = 1;
      if (entry.length === 2) {
        const raw: unknown = entry[1];
        if (typeof raw !== "number" || !Number.isInteger(raw)) return null;
        // Negative weights come out of rollout arithmetic; flagd clamps them rather than failing.
        weight = Math.max(0, raw);
      }
      weights.push(weight);
      totalWeight += weight;
    }
    if (totalWeight > MAX_TOTAL_WEIGHT) return null;
    const bucket = bucketOf(murmur3Utf8(bucketing.text), totalWeight);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += weights[i]!;
      if (sum > bucket) return variants[i]!;
    }
    return null;
  };
}

/** Parsed versions by text: rules compare against a few constants and clients send a few versions. */
const parsedVersions = new Map<string, semver.SemVer | null>();
const MAX_PARSED_VERSIONS = 4096;

/** Strips a v/V prefix and accepts partial versions ("1", "1.2"), as flagd does; null if not a version. */
function parseVersion(raw: unknown): semver.SemVer | null {
  if (typeof raw !== "string" && typeof raw !== "number") return null;
  const key = String(raw);
  let parsed = parsedVersions.get(key);
  if (parsed === undefined) {
    if (parsedVersions.size >= MAX_PARSED_VERSIONS) parsedVersions.clear();
    parsed = parseVersionText(key);
    parsedVersions.set(key, parsed);
  }
  return parsed;
}

function parseVersionText(raw: string): semver.SemVer | null {
  const text = raw.replace(/^[vV]/, "");
  const strict = semver.parse(text);
  if (strict) return strict;
  return /^\d+(\.\d+)?$/.test(text) ? semver.coerce(text) : null;
}

export function semVer(args: unknown): boolean | null {
  if (!Array.isArray(args) || args.length !== 3) return null;
  const left = parseVersion(args[0]);
  const right = parseVersion(args[2]);
  if (!left || !right) return null;
  const order = semver.compare(left, right);
  switch (args[1]) {
    case "=":
      return order === 0;
    case "!=":
      return order !== 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
    case "^":
      return left.major === right.major;
    case "~":
      return left.major === right.major && left.minor === right.minor;
    default:
      return null;
  }
}

function stringPair(args: unknown): [string, string] | null {
  if (!Array.isArray(args) || args.length !== 2) return null;
  const [text, affix] = args as unknown[];
  return typeof text === "string" && typeof affix === "string" ? [text, affix] : null;
}

export function startsWith(args: unknown): boolean | null {
  const pair = stringPair(args);
  return pair ? pair[0].startsWith(pair[1]) : null;
}

export function endsWith(args: unknown): boolean | null {
  const pair = stringPair(args);
  return pair ? pair[0].endsWith(pair[1]) : null;
}
