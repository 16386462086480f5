import { describe, expect, it } from "vitest";
import { compileFlagSets, type CompiledFlagSet } from "./compile.js";
import { evaluateFlag, resolveFlag } from "./evaluate.js";
import type {
  EvaluationContext,
  FlagDefinition,
  FlagSetDefinition,
  FlagValueType,
  JsonValue,
} from "./types.js";

/**
 * Conformance with flagd's evaluation semantics. The scenarios are derived from flagd's
 * documentation and from the evaluator scenarios of open-feature/flagd-testbed (evaluator/gherkin:
 * evaluation, zero-values, disabled, errors, metadata, no-default-variant, targeting,
 * evaluator-refs, string, semver, fractional). The flag definitions below are written for these
 * tests; where a scenario's expected value depends on hashing, the flag key and rule are the
 * testbed's so that its published assignments must come out.
 */

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

const flag = (variants: Record<string, JsonValue>, rest: Partial<FlagDefinition> = {}): FlagDefinition => ({
  state: "ENABLED",
  variants,
  ...rest,
});
const same = (...names: string[]) => Object.fromEntries(names.map((n) => [n, n]));
const ifEmail = (email: string, then: JsonValue, otherwise: JsonValue = null) => ({
  if: [{ "==": [{ var: "email" }, email] }, then, otherwise],
});

const SET: FlagSetDefinition = {
  metadata: { flagSetId: "conformance", version: "7" },
  evaluators: {
    isBallmer: { "==": ["ballmer@macrosoft.com", { var: ["email"] }] },
    isStaff: { ends_with: [{ var: "email" }, "@macrosoft.com"] },
    staffOrBallmer: { or: [{ $ref: "isStaff" }, { $ref: "isBallmer" }] },
  },
  flags: {
    "boolean-flag": flag({ on: true, off: false }, { defaultVariant: "on" }),
    "string-flag": flag({ greeting: "hi", parting: "bye" }, { defaultVariant: "greeting" }),
    "integer-flag": flag({ one: 1, ten: 10 }, { defaultVariant: "ten" }),
    "float-flag": flag({ tenth: 0.1, half: 0.5 }, { defaultVariant: "half" }),
    "object-flag": flag(
      { empty: {}, template: { showImages: true, title: "pics", imagesPerPage: 100 } },
      {
        defaultVariant: "template",
      },
    ),
    "boolean-zero-flag": flag({ zero: false, one: true }, { defaultVariant: "zero" }),
    "string-zero-flag": flag({ zero: "", one: "x" }, { defaultVariant: "zero" }),
    "integer-zero-flag": flag({ zero: 0, one: 1 }, { defaultVariant: "zero" }),
    "float-zero-flag": flag({ zero: 0.0, one: 1.5 }, { defaultVariant: "zero" }),
    "object-zero-flag": flag({ zero: {}, one: { a: 1 } }, { defaultVariant: "zero" }),
    "boolean-targeted-zero-flag": flag(
      { zero: false, one: true },
      {
        defaultVariant: "zero",
        targeting: ifEmail("ballmer@macrosoft.com", "zero", "one"),
      },
    ),
    "integer-targeted-zero-flag": flag(
      { zero: 0, one: 1 },
      {
        defaultVariant: "zero",
        targeting: ifEmail("ballmer@macrosoft.com", "zero"),
      },
    ),
    "disabled-flag": flag({ on: true, off: false }, { state: "DISABLED", defaultVariant: "on" }),
    "metadata-flag": flag(
      { on: true },
      {
        defaultVariant: "on",
        metadata: { string: "1.0.2", integer: 2, float: 0.1, boolean: true, version: "override" },
      },
    ),
    "null-default-flag": flag({ on: true, off: false }, { defaultVariant: null }),
    "undefined-default-flag": flag({ small: 10, big: 1000 }),
    "no-default-null-targeting": flag(
      { normal: "CFO", special: "CEO" },
      { targeting: ifEmail("jobs@orange.com", "special", null) },
    ),
    "no-default-open-if": flag(
      { normal: "CFO", special: "CEO" },
      { targeting: { if: [{ "==": ["jobs@orange.com", { var: "email" }] }, "special"] } },
    ),
    "targeting-key-flag": flag(same("hit", "miss"), {
      defaultVariant: "miss",
      targeting: { if: [{ "==": [{ var: "targetingKey" }, "5c3d8535"] }, "hit", null] },
    }),
    "ref-flag": flag(same("hi", "bye", "fallback"), {
      defaultVariant: "fallback",
      targeting: { if: [{ $ref: "isBallmer" }, "hi", "bye"] },
    }),
    "nested-ref-flag": flag(same("staff", "guest"), {
      defaultVariant: "guest",
      targeting: { if: [{ $ref: "staffOrBallmer" }, "staff", null] },
    }),
    "missing-ref-flag": flag(same("hit", "miss"), {
      defaultVariant: "miss",
      targeting: { if: [{ $ref: "nonexistent" }, "hit", "miss"] },
    }),
    "starts-ends-flag": flag(same("prefix", "postfix", "none"), {
      defaultVariant: "none",
      targeting: {
        if: [
          { starts_with: [{ var: "id" }, "abc"] },
          "prefix",
          { if: [{ ends_with: [{ var: "id" }, "xyz"] }, "postfix", "none"] },
        ],
      },
    }),
    "starts-with-non-string": flag(same("true", "false", "fallback"), {
      defaultVariant: "fallback",
      targeting: { starts_with: [{ var: "num" }, "abc"] },
    }),
    "ends-with-wrong-args": flag(same("true", "false", "fallback"), {
      defaultVariant: "fallback",
      targeting: { ends_with: ["xyz"] },
    }),
    "version-flag": flag(same("equal", "greater", "lesser", "none"), {
      defaultVariant: "none",
      targeting: {
        if: [
          { sem_ver: [{ var: "version" }, "=", "2.0.0"] },
          "equal",
          { sem_ver: [{ var: "version" }, ">", "2.0.0"] },
          "greater",
          { sem_ver: [{ var: "version" }, "<", "2.0.0"] },
          "lesser",
          "none",
        ],
      },
    }),
    "range-version-flag": flag(same("minor", "major", "none"), {
      defaultVariant: "none",
      targeting: {
        if: [
          { sem_ver: [{ var: "version" }, "~", "3.0.0"] },
          "minor",
          { sem_ver: [{ var: "version" }, "^", "3.0.0"] },
          "major",
          "none",
        ],
      },
    }),
    "semver-op-flag": flag(same("match", "no-match", "fallback"), {
      defaultVariant: "fallback",
      targeting: {
        if: [{ sem_ver: [{ var: "version" }, { var: "op" }, { var: "other" }] }, "match", "no-match"],
      },
    }),
    "semver-direct-flag": flag(same("true", "false", "fallback"), {
      defaultVariant: "fallback",
      targeting: { sem_ver: [{ var: "version" }, { var: "op" }, { var: "other" }] },
    }),
    // The testbed's fractional flags: key and rule must match for its assignments to hold.
    "fractional-flag": flag(same("clubs", "diamonds", "hearts", "spades", "wild"), {
      defaultVariant: "wild",
      targeting: {
        fractional: [
          { cat: [{ var: "$flagd.flagKey" }, { var: "user.name" }] },
          ["clubs", 25],
          ["diamonds", 25],
          ["hearts", 25],
          ["spades", 25],
        ],
      },
    }),
    "fractional-flag-shorthand": flag(same("heads", "tails", "draw"), {
      defaultVariant: "draw",
      targeting: { fractional: [["heads"], ["tails", 1]] },
    }),
    "fractional-shared-seed": flag(same("clubs", "diamonds", "hearts", "spades", "wild"), {
      defaultVariant: "wild",
      targeting: {
        fractional: [
          { cat: ["shared-seed", { var: "user.name" }] },
          ["clubs", 25],
          ["diamonds", 25],
          ["hearts", 25],
          ["spades", 25],
        ],
      },
    }),
    "fractional-hash-edge": flag(same("lower", "upper"), {
      defaultVariant: "lower",
      targeting: { fractional: [{ var: "targetingKey" }, ["lower", 50], ["upper", 50]] },
    }),
    "fractional-single": flag(same("single", "fallback"), {
      defaultVariant: "fallback",
      targeting: { fractional: [["single", 1]] },
    }),
    "fractional-nested-if": flag(same("premium", "standard", "fallback"), {
      defaultVariant: "fallback",
      targeting: {
        fractional: [
          { var: "targetingKey" },
          [{ if: [{ "==": [{ var: "tier" }, "premium"] }, "premium", "standard"] }, 50],
          ["standard", 50],
        ],
      },
    }),
    "fractional-nested-weight": flag(same("red", "blue", "fallback"), {
      defaultVariant: "fallback",
      targeting: {
        fractional: [
          { var: "targetingKey" },
          ["red", { if: [{ "==": [{ var: "tier" }, "premium"] }, 100, 0] }],
          ["blue", 10],
        ],
      },
    }),
    "fractional-as-condition": flag(
      { big: "hundreds", small: "ones", fallback: "zero" },
      {
        defaultVariant: "fallback",
        targeting: {
          if: [
            {
              fractional: [
                [false, 0],
                [true, 100],
              ],
            },
            "big",
            "small",
          ],
        },
      },
    ),
    "fractional-missing-bucket-key": flag(same("one", "two", "fallback"), {
      defaultVariant: "fallback",
      targeting: { fractional: [{ var: "missing_key" }, ["one", 50], ["two", 50]] },
    }),
    "fractional-zero-weights": flag(same("one", "two", "fallback"), {
      defaultVariant: "fallback",
      targeting: { fractional: [{ var: "targetingKey" }, ["one", 0], ["two", 0]] },
    }),
    "fractional-negative-weight": flag(same("one", "two", "fallback"), {
      defaultVariant: "fallback",
      targeting: { fractional: [{ var: "targetingKey" }, ["one", -50], ["two", 100]] },
    }),
    "fractional-decimal-weight": flag(same("one", "two", "fallback"), {
      defaultVariant: "fallback",
      targeting: { fractional: [{ var: "targetingKey" }, ["one", 50.5], ["two", 49.5]] },
    }),
    "flag-key-flag": flag(same("self", "other"), {
      defaultVariant: "other",
      targeting: { if: [{ "==": [{ var: "$flagd.flagKey" }, "flag-key-flag"] }, "self", "other"] },
    }),
    "timestamp-flag": flag(same("before", "after"), {
      defaultVariant: "before",
      targeting: { if: [{ ">=": [{ var: "$flagd.timestamp" }, Math.floor(NOW / 1000)] }, "after", "before"] },
    }),
    "non-variant-flag": flag(same("a", "b"), { defaultVariant: "a", targeting: { var: "pick" } }),
    "boolean-result-flag": flag(
      { true: "yes", false: "no" },
      {
        defaultVariant: "false",
        targeting: { in: [{ var: "country" }, ["NL", "BE"]] },
      },
    ),
    "throwing-flag": flag(same("a"), { defaultVariant: "a", targeting: { throw: "boom" } }),
    "unknown-operator-flag": flag(same("a"), { defaultVariant: "a", targeting: { no_such_op: [1] } }),
  },
};

const compiled: CompiledFlagSet = compileFlagSets([SET]);

function evaluate(
  key: string,
  defaultValue: JsonValue,
  context: EvaluationContext = {},
  type?: FlagValueType,
) {
  return evaluateFlag(compiled, { key, defaultValue, context, ...(type && { type }) }, () => NOW);
}

describe("static flags (testbed: evaluation, zero-values)", () => {
  it.each([
    ["boolean-flag", "boolean", false, true, "on"],
    ["string-flag", "string", "bye", "hi", "greeting"],
    ["integer-flag", "integer", 1, 10, "ten"],
    ["float-flag", "float", 0.1, 0.5, "half"],
    ["object-flag", "object", {}, { showImages: true, title: "pics", imagesPerPage: 100 }, "template"],
    ["boolean-zero-flag", "boolean", true, false, "zero"],
    ["string-zero-flag", "string", "hi", "", "zero"],
    ["integer-zero-flag", "integer", 1, 0, "zero"],
    ["float-zero-flag", "float", 0.1, 0, "zero"],
    ["object-zero-flag", "object", { a: 1 }, {}, "zero"],
  ] as const)("%s resolves its default variant with reason STATIC", (key, type, fallback, value, variant) => {
    const details = evaluate(key, fallback, {}, type);
    expect(details).toMatchObject({ key, value, variant, reason: "STATIC" });
    expect(details.errorCode).toBeUndefined();
  });

  it("zero values chosen by targeting are TARGETING_MATCH, and by the default variant DEFAULT", () => {
    const hit = { email: "ballmer@macrosoft.com" };
    expect(evaluate("boolean-targeted-zero-flag", true, hit)).toMatchObject({
      value: false,
      reason: "TARGETING_MATCH",
    });
    expect(evaluate("integer-targeted-zero-flag", 1, hit)).toMatchObject({
      value: 0,
      reason: "TARGETING_MATCH",
    });
    expect(evaluate("boolean-targeted-zero-flag", true, { email: "x@none.com" })).toMatchObject({
      value: true,
      variant: "one",
      reason: "TARGETING_MATCH",
    });
    expect(evaluate("integer-targeted-zero-flag", 1, { email: "x@none.com" })).toMatchObject({
      value: 0,
      variant: "zero",
      reason: "DEFAULT",
    });
  });
});

describe("disabled, missing and mistyped flags (testbed: disabled, errors)", () => {
  it.each([
    [false, "boolean"],
    ["bye", "string"],
    [1, "integer"],
    [{}, "object"],
  ] as const)(
    "a disabled flag returns the caller's default %j with reason DISABLED and no variant",
    (fallback, type) => {
      const details = evaluate("disabled-flag", fallback, {}, type);
      expect(details).toEqual({
        key: "disabled-flag",
        value: fallback,
        reason: "DISABLED",
        flagMetadata: SET.metadata,
      });
    },
  );

  it("a missing flag is FLAG_NOT_FOUND with the caller's default and the flag set's metadata", () => {
    expect(evaluate("missing-flag", "uh-oh", {}, "string")).toEqual({
      key: "missing-flag",
      value: "uh-oh",
      reason: "ERROR",
      errorCode: "FLAG_NOT_FOUND",
      errorMessage: 'flag "missing-flag" not found',
      flagMetadata: { flagSetId: "conformance", version: "7" },
    });
  });

  it.each([
    ["string-flag", "integer", 13],
    ["float-flag", "integer", 13],
    ["integer-flag", "boolean", false],
    ["object-flag", "string", "x"],
    ["boolean-flag", "object", {}],
  ] as const)("%s asked as %s is TYPE_MISMATCH with the caller's default", (key, type, fallback) => {
    const details = evaluate(key, fallback, {}, type);
    expect(details).toMatchObject({ value: fallback, reason: "ERROR", errorCode: "TYPE_MISMATCH" });
    expect(details.variant).toBeUndefined();
  });

  it("an integer variant satisfies a float request (JSON has one number type)", () => {
    expect(evaluate("integer-flag", 0.5, {}, "float")).toMatchObject({ value: 10, reason: "STATIC" });
  });
});

describe("metadata (testbed: metadata)", () => {
  it("merges the flag's metadata over the flag set's", () => {
    expect(evaluate("metadata-flag", false).flagMetadata).toEqual({
      flagSetId: "conformance",
      version: "override",
      string: "1.0.2",
      integer: 2,
      float: 0.1,
      boolean: true,
    });
  });

  it("is empty for a flag without metadata in a set without metadata", () => {
    const bare = compileFlagSets([
      { metadata: {}, evaluators: {}, flags: { f: flag({ a: 1 }, { defaultVariant: "a" }) } },
    ]);
    expect(evaluateFlag(bare, { key: "f", defaultValue: 0 }, () => NOW).flagMetadata).toEqual({});
  });
});

describe("no default variant (testbed: no-default-variant)", () => {
  it.each([
    ["null-default-flag", true, {}, true, "DEFAULT"],
    ["null-default-flag", false, {}, false, "DEFAULT"],
    ["undefined-default-flag", 100, {}, 100, "DEFAULT"],
    ["no-default-null-targeting", "Inventor", { email: "wozniak@orange.com" }, "Inventor", "DEFAULT"],
    ["no-default-null-targeting", "CEO?", { email: "jobs@orange.com" }, "CEO", "TARGETING_MATCH"],
    ["no-default-open-if", "Retired", { email: "wozniak@orange.com" }, "Retired", "DEFAULT"],
  ] as const)("%s with default %j and context %j gives %j (%s)", (key, fallback, context, value, reason) => {
    expect(evaluate(key, fallback, context)).toMatchObject({ value, reason });
  });
});

describe("targeting (testbed: targeting, evaluator-refs)", () => {
  it("matches on the targeting key, and a null rule result falls back to the default variant", () => {
    expect(evaluate("targeting-key-flag", "fallback", { targetingKey: "5c3d8535" })).toMatchObject({
      value: "hit",
      reason: "TARGETING_MATCH",
    });
    expect(evaluate("targeting-key-flag", "fallback", { targetingKey: "f20bd32d" })).toMatchObject({
      value: "miss",
      variant: "miss",
      reason: "DEFAULT",
    });
  });

  it.each([
    ["ref-flag", "ballmer@macrosoft.com", "hi"],
    ["ref-flag", "user@example.com", "bye"],
    ["nested-ref-flag", "gates@macrosoft.com", "staff"],
    ["nested-ref-flag", "jobs@orange.com", "guest"],
  ])("%s resolves shared $evaluators for %s", (key, email, value) => {
    expect(evaluate(key, "fallback", { email }).value).toBe(value);
  });

  it("a $ref to a missing evaluator is PARSE_ERROR with the caller's default", () => {
    expect(evaluate("missing-ref-flag", "fallback")).toMatchObject({
      value: "fallback",
      reason: "ERROR",
      errorCode: "PARSE_ERROR",
      errorMessage: 'invalid targeting for flag "missing-ref-flag": unknown evaluator "nonexistent" in $ref',
    });
  });

  it("an unknown operator is PARSE_ERROR, a rule that throws is GENERAL", () => {
    expect(evaluate("unknown-operator-flag", "x")).toMatchObject({ value: "x", errorCode: "PARSE_ERROR" });
    expect(evaluate("throwing-flag", "x")).toMatchObject({
      value: "x",
      reason: "ERROR",
      errorCode: "GENERAL",
    });
  });

  it("injects $flagd.flagKey and $flagd.timestamp (seconds) and overrides a caller's $flagd", () => {
    expect(evaluate("flag-key-flag", "", { $flagd: { flagKey: "spoof" } }).value).toBe("self");
    expect(evaluate("timestamp-flag", "").value).toBe("after");
    expect(evaluateFlag(compiled, { key: "timestamp-flag", defaultValue: "" }, () => NOW - 1000).value).toBe(
      "before",
    );
  });

  it("a result that names no variant is an ERROR (GENERAL), as in flagd; booleans name 'true'/'false'", () => {
    expect(evaluate("non-variant-flag", "dflt", { pick: "b" })).toMatchObject({
      value: "b",
      reason: "TARGETING_MATCH",
    });
    expect(evaluate("non-variant-flag", "dflt", { pick: "zzz" })).toMatchObject({
      value: "dflt",
      reason: "ERROR",
      errorCode: "GENERAL",
    });
    expect(evaluate("non-variant-flag", "dflt", {})).toMatchObject({ value: "a", reason: "DEFAULT" });
    expect(evaluate("boolean-result-flag", "", { country: "NL" })).toMatchObject({
      value: "yes",
      variant: "true",
    });
    expect(evaluate("boolean-result-flag", "", { country: "FR" })).toMatchObject({
      value: "no",
      variant: "false",
    });
  });

  it("leaves the caller's context untouched", () => {
    const context = { targetingKey: "u1", email: "a@b.c" };
    evaluate("ref-flag", "", context);
    expect(context).toEqual({ targetingKey: "u1", email: "a@b.c" });
  });
});

describe("starts_with / ends_with (testbed: string)", () => {
  it.each([
    ["abcdef", "prefix"],
    ["uvwxyz", "postfix"],
    ["abcxyz", "prefix"],
    ["lmnopq", "none"],
  ])("%s → %s", (id, value) => {
    expect(evaluate("starts-ends-flag", "fallback", { id }).value).toBe(value);
  });

  it("returns null on a non-string or a wrong argument count, so the default variant applies", () => {
    expect(evaluate("starts-with-non-string", "wrong", { num: 123 })).toMatchObject({
      value: "fallback",
      reason: "DEFAULT",
    });
    expect(evaluate("ends-with-wrong-args", "wrong")).toMatchObject({ value: "fallback", reason: "DEFAULT" });
  });
});

describe("sem_ver (testbed: semver)", () => {
  it.each([
    ["2.0.0", "equal"],
    ["2.1.0", "greater"],
    ["1.9.0", "lesser"],
    ["2.0.0-alpha", "lesser"],
    ["2.0.0.0", "none"],
  ])("version %s → %s", (version, value) => {
    const details = evaluate("version-flag", "fallback", { version });
    expect(details.value).toBe(value);
  });

  it.each([
    ["3.0.1", "minor"],
    ["3.1.0", "major"],
    ["4.0.0", "none"],
  ])("range: %s → %s", (version, value) => {
    expect(evaluate("range-version-flag", "fallback", { version }).value).toBe(value);
  });

  it.each([
    // v-prefix, partial and numeric versions, build metadata ignored, every operator.
    ["v1.0.0", "=", "1.0.0", "match"],
    ["V1.0.0", "=", "v1.0.0", "match"],
    ["1.0", "^", "1", "match"],
    [1, "^", "1", "match"],
    [1.2, "^", "1", "match"],
    [1.2, ">", "1.1", "match"],
    [1.1, ">", "1.1", "no-match"],
    [2, ">", "1.1", "match"],
    ["1.0.0+other", "=", "1.0.0+build", "match"],
    ["1.0.0", "!=", "1.0.1", "match"],
    ["1.0.0", "<=", "1.0.0", "match"],
    ["1.0.0", ">=", "1.0.1", "no-match"],
    ["1.2.3", "~", "1.2.0", "match"],
    ["1.3.0", "~", "1.2.0", "no-match"],
  ] as const)("%j %s %s → %s", (version, op, other, value) => {
    expect(evaluate("semver-op-flag", "wrong", { version, op, other })).toMatchObject({
      value,
      reason: "TARGETING_MATCH",
    });
  });

  it.each([
    ["not-a-version", "=", "1.0.0"],
    ["1.0.0", "===", "1.0.0"],
    ["myVersion_1", "=", "1.0.0"],
    ["1.0.0", "=", undefined],
  ])("returns null for %j %s %s, so the default variant applies", (version, op, other) => {
    expect(evaluate("semver-direct-flag", "wrong", { version, op, ...(other && { other }) })).toMatchObject({
      value: "fallback",
      reason: "DEFAULT",
    });
  });
});

describe("fractional (testbed: fractional, v2 bucketing)", () => {
  it.each([
    ["jack", "hearts"],
    ["queen", "spades"],
    ["ten", "clubs"],
    ["nine", "diamonds"],
    ["3", "clubs"],
  ])("hashes flagKey + user.name: %s → %s", (name, value) => {
    expect(evaluate("fractional-flag", "fallback", { user: { name } }).value).toBe(value);
  });

  it.each([
    ["jon@company.com", "heads"],
    ["jane@company.com", "tails"],
  ])("shorthand hashes flagKey + targetingKey, weight 1 by default: %s → %s", (targetingKey, value) => {
    expect(evaluate("fractional-flag-shorthand", "fallback", { targetingKey }).value).toBe(value);
  });

  it.each([
    ["seven", "hearts"],
    ["eight", "diamonds"],
    ["nine", "clubs"],
    ["two", "spades"],
  ])("a shared seed expression buckets %s → %s", (name, value) => {
    expect(evaluate("fractional-shared-seed", "fallback", { user: { name } }).value).toBe(value);
  });

  it.each([
    ["ejOoVL", "lower"],
    ["bY9fO-", "lower"],
    ["SI7p-", "lower"],
    ["6LvT0", "upper"],
    ["ceQdGm", "upper"],
  ])("hash boundary key %s → %s", (targetingKey, value) => {
    expect(evaluate("fractional-hash-edge", "fallback", { targetingKey }).value).toBe(value);
  });

  it("a single entry always wins; fractional can be a condition", () => {
    expect(evaluate("fractional-single", "fallback", { targetingKey: "anyone" }).value).toBe("single");
    expect(evaluate("fractional-as-condition", "zero", { targetingKey: "some-targeting-key" }).value).toBe(
      "hundreds",
    );
  });

  it.each([
    ["jon@company.com", "premium", "premium"],
    ["jon@company.com", "basic", "standard"],
    ["user1", "premium", "standard"],
  ])("nested expressions as variant names: %s / %s → %s", (targetingKey, tier, value) => {
    expect(evaluate("fractional-nested-if", "fallback", { targetingKey, tier }).value).toBe(value);
  });

  it.each([
    ["jon@company.com", "premium", "red"],
    ["jon@company.com", "basic", "blue"],
    ["user1", "premium", "red"],
    ["user1", "basic", "blue"],
  ])("nested expressions as weights: %s / %s → %s", (targetingKey, tier, value) => {
    expect(evaluate("fractional-nested-weight", "fallback", { targetingKey, tier }).value).toBe(value);
  });

  it("falls back to the default variant without a bucket key, with all-zero or decimal weights", () => {
    for (const key of [
      "fractional-missing-bucket-key",
      "fractional-zero-weights",
      "fractional-decimal-weight",
    ]) {
      expect(evaluate(key, "wrong", { targetingKey: "any-user" }), key).toMatchObject({
        value: "fallback",
        reason: "DEFAULT",
      });
    }
    expect(evaluate("fractional-flag-shorthand", "wrong", {})).toMatchObject({
      value: "draw",
      reason: "DEFAULT",
    });
  });

  it("clamps a negative weight to zero", () => {
    expect(evaluate("fractional-negative-weight", "wrong", { targetingKey: "any-user" }).value).toBe("two");
  });
});

describe("several flag sets", () => {
  it("a later set overrides an earlier one flag by flag, and the set metadata merges", () => {
    const merged = compileFlagSets([
      {
        metadata: { a: "1", b: "1" },
        evaluators: {},
        flags: { x: flag({ v: 1 }, { defaultVariant: "v" }), y: flag({ v: 1 }, { defaultVariant: "v" }) },
      },
      { metadata: { b: "2" }, evaluators: {}, flags: { y: flag({ w: 2 }, { defaultVariant: "w" }) } },
    ]);
    expect(evaluateFlag(merged, { key: "x", defaultValue: 0 }, () => NOW)).toMatchObject({
      value: 1,
      flagMetadata: { a: "1", b: "1" },
    });
    expect(evaluateFlag(merged, { key: "y", defaultValue: 0 }, () => NOW)).toMatchObject({
      value: 2,
      flagMetadata: { b: "2" },
    });
    expect(resolveFlag(merged, "z", {}, () => NOW).flagMetadata).toEqual({ a: "1", b: "2" });
  });
});
