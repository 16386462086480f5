/** The flags pages' pure parts: targeting in words, fractional splits, change summaries. */
import { describe, expect, it } from "vitest";
import {
  changeSummary,
  describeExpression,
  rulesOf,
  splitOf,
  targetingSummary,
} from "../../web/src/flags.js";

describe("targeting in words", () => {
  it("reads flagd's operators and JsonLogic comparisons", () => {
    expect(describeExpression({ ends_with: [{ var: "email" }, "@shop.example"] })).toBe(
      'email ends with "@shop.example"',
    );
    expect(describeExpression({ in: [{ var: "plan" }, ["beta", "internal"]] })).toBe(
      'plan is one of "beta", "internal"',
    );
    expect(describeExpression({ sem_ver: [{ var: "app.version" }, ">=", "2.0.0"] })).toBe(
      "version app.version >= 2.0.0",
    );
    expect(
      describeExpression({
        and: [
          { ">=": [{ var: "age" }, 18] },
          { or: [{ "==": [{ var: "country" }, "DE"] }, { $ref: "isStaff" }] },
        ],
      }),
    ).toBe('age ≥ 18 and (country = "DE" or evaluator "isStaff")');
    expect(describeExpression({ "!": [{ starts_with: [{ var: "id" }, "bot-"] }] })).toBe(
      'not id starts with "bot-"',
    );
    // not understood: shown as JSON, never dropped
    expect(describeExpression({ mystery: [1, 2] })).toBe('{"mystery":[1,2]}');
  });

  it("turns an if chain into ordered rules, with splits and the default variant", () => {
    const rules = rulesOf({
      if: [
        { ends_with: [{ var: "email" }, "@shop.example"] },
        "on",
        { "==": [{ var: "country" }, "FR"] },
        null,
        {
          fractional: [
            ["on", 1],
            ["off", 9],
          ],
        },
      ],
    });
    expect(rules).toEqual([
      { when: 'email ends with "@shop.example"', serve: { kind: "variant", variant: "on" } },
      { when: 'country = "FR"', serve: { kind: "default" } },
      {
        serve: {
          kind: "split",
          by: "targeting key",
          shares: [
            { variant: "on", weight: 1, percent: 10 },
            { variant: "off", weight: 9, percent: 90 },
          ],
        },
      },
    ]);
    // an even argument count has no else: it falls to the default variant
    expect(rulesOf({ if: [{ var: "beta" }, "on"] }).at(-1)).toEqual({ serve: { kind: "default" } });
    expect(rulesOf(undefined)).toEqual([]);
    expect(rulesOf({})).toEqual([]);
  });

  it("reads a split's bucketing expression and flagd's weight rules", () => {
    expect(
      splitOf([{ cat: [{ var: "$flagd.flagKey" }, { var: "user.id" }] }, ["a", 50], ["b", 50]]),
    ).toMatchObject({
      by: "$flagd.flagKey + user.id",
      shares: [{ percent: 50 }, { percent: 50 }],
    });
    // a missing weight is 1, a negative one 0
    expect(splitOf([["a"], ["b", -3], ["c", 3]])?.shares.map((s) => s.percent)).toEqual([25, 0, 75]);
    expect(splitOf([["a", 0]])).toBeUndefined();
  });

  it("summarizes a flag's targeting and a change in a line", () => {
    expect(targetingSummary({ defaultVariant: "off" })).toBe("static: off");
    expect(targetingSummary({ defaultVariant: null, targeting: {} })).toBe("static: caller's default");
    expect(
      targetingSummary({
        defaultVariant: "off",
        targeting: {
          fractional: [
            ["on", 1],
            ["off", 3],
          ],
        },
      }),
    ).toBe("split on 25% · off 75% (by targeting key)");
    const before = { state: "ENABLED" as const, variants: { on: true }, defaultVariant: "on" };
    expect(
      changeSummary({
        action: "updated",
        before,
        after: { ...before, state: "DISABLED", targeting: { var: "x" } },
      }),
    ).toBe("state ENABLED → DISABLED, targeting");
    expect(changeSummary({ action: "created", before: null, after: before })).toBe("created");
  });
});
