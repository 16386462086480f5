import { FlagdCore } from "@openfeature/flagd-core";
import { describe, expect, it } from "vitest";
import { compileFlagSets } from "./compile.js";
import { evaluateFlag } from "./evaluate.js";
import { toFlagSet } from "./schema.js";
import type { JsonValue } from "./types.js";

/**
 * Differential test: the same flag file and the same contexts through @openfeature/flagd-core (the
 * OpenFeature project's own JavaScript evaluator) and through ours must give the same value,
 * variant, reason and error code. ASCII targeting keys only: flagd-core hashes UTF-16 code units
 * where flagd (Go) and Slipway hash UTF-8 bytes.
 */
const FILE = {
  metadata: { flagSetId: "parity" },
  $evaluators: { isStaff: { ends_with: [{ var: "email" }, "@example.com"] } },
  flags: {
    "static-bool": { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on" },
    disabled: { state: "DISABLED", variants: { on: true, off: false }, defaultVariant: "on" },
    "no-default": { state: "ENABLED", variants: { a: "A", b: "B" }, defaultVariant: null },
    "staff-banner": {
      state: "ENABLED",
      variants: { staff: "hello colleague", public: "hello", vip: "welcome back" },
      defaultVariant: "public",
      targeting: {
        if: [{ $ref: "isStaff" }, "staff", { in: [{ var: "tier" }, ["gold", "platinum"]] }, "vip", null],
      },
    },
    "min-version": {
      state: "ENABLED",
      variants: { new: { layout: "grid" }, old: { layout: "list" } },
      defaultVariant: "old",
      targeting: { if: [{ sem_ver: [{ var: "version" }, ">=", "2.3.0"] }, "new", "old"] },
    },
    "checkout-rollout": {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      targeting: {
        fractional: [
          ["on", 17],
          ["off", 83],
        ],
      },
    },
    experiment: {
      state: "ENABLED",
      variants: { control: 0, a: 1, b: 2 },
      defaultVariant: "control",
      targeting: {
        fractional: [
          { cat: [{ var: "$flagd.flagKey" }, { var: "tier" }, { var: "targetingKey" }] },
          ["control", 50],
          ["a", 25],
          ["b", 25],
        ],
      },
    },
    "bad-variant": {
      state: "ENABLED",
      variants: { x: "x" },
      defaultVariant: "x",
      targeting: { var: "pick" },
    },
  },
} as const;

const CASES: readonly [key: string, type: "boolean" | "string" | "number" | "object", fallback: JsonValue][] =
  [
    ["static-bool", "boolean", false],
    ["static-bool", "string", "wrong type"],
    ["disabled", "boolean", false],
    ["no-default", "string", "dflt"],
    ["staff-banner", "string", "dflt"],
    ["min-version", "object", {}],
    ["checkout-rollout", "boolean", false],
    ["experiment", "number", -1],
    ["bad-variant", "string", "dflt"],
  ];

describe("parity with @openfeature/flagd-core 4.0.1", () => {
  it("agrees on 3 000 random contexts across static, targeting, semver and fractional flags", () => {
    const theirs = new FlagdCore();
    theirs.setConfigurations(JSON.stringify(FILE));
    const ours = compileFlagSets([toFlagSet(FILE).set]);

    let state = 42;
    const rand = (n: number) => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % n;
    const pick = <T>(items: readonly T[]): T => items[rand(items.length)]!;
    let compared = 0;
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const context: Record<string, JsonValue> = {
        targetingKey: `user-${rand(1_000_000)}-${pick(["a", "b", "c"])}`,
        email: pick(["ann@example.com", "bob@example.org", "example.com@x.io", ""]),
        tier: pick(["gold", "silver", "platinum", "none"]),
        version: pick(["2.3.0", "2.2.9", "v3.0.0", "2.3", "10.0.0-beta.1", "nope"]),
        pick: pick(["x", "y"]),
      };
      if (rand(10) === 0) delete context.targetingKey;
      for (const [key, type, defaultValue] of CASES) {
        const theirResult = theirs.resolve(type, key, defaultValue, context);
        // flagd-core's "number" is our "float" (any JSON number).
        const ourType = type === "number" ? "float" : type;
        const ourResult = evaluateFlag(ours, { key, defaultValue, context, type: ourType }, Date.now);
        expect(
          {
            value: ourResult.value,
            variant: ourResult.variant,
            reason: ourResult.reason,
            errorCode: ourResult.errorCode,
          },
          `${key} ${JSON.stringify(context)}`,
        ).toEqual({
          value: theirResult.value,
          variant: theirResult.variant,
          reason: theirResult.reason,
          errorCode: theirResult.errorCode,
        });
        compared++;
        seen.add(`${ourResult.reason}${ourResult.errorCode ? `:${ourResult.errorCode}` : ""}`);
      }
    }
    expect(compared).toBe(3000 * CASES.length);
    // The comparison covered every outcome, not only the easy ones.
    expect([...seen].sort()).toEqual([
      "DEFAULT",
      "DISABLED",
      "ERROR:GENERAL",
      "ERROR:TYPE_MISMATCH",
      "STATIC",
      "TARGETING_MATCH",
    ]);
  });
});
