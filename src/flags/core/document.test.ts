import { describe, expect, it } from "vitest";
import { compileFlagSets } from "./compile.js";
import { documentToFlagSet, flagDocument, type FlagDocument } from "./document.js";
import { evaluateFlag } from "./evaluate.js";
import type { EvaluationContext, FlagSetDefinition } from "./types.js";

const clock = () => 1_700_000_000_000;

const web: FlagSetDefinition = {
  metadata: { flagSetId: "web", version: 1 },
  evaluators: { isStaff: { ends_with: [{ var: "email" }, "@shop.example"] } },
  flags: {
    checkout: {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      targeting: {
        if: [
          { $ref: "isStaff" },
          "on",
          {
            fractional: [
              ["on", 30],
              ["off", 70],
            ],
          },
        ],
      },
      metadata: { owner: "payments" },
    },
    banner: { state: "ENABLED", variants: { a: "A", b: "B" }, defaultVariant: "a" },
  },
};
// A second file that names its own, different "isStaff" and overrides "banner".
const ops: FlagSetDefinition = {
  metadata: { flagSetId: "ops" },
  evaluators: { isStaff: { starts_with: [{ var: "email" }, "admin@"] } },
  flags: {
    banner: { state: "DISABLED", variants: { a: "A", b: "B" }, defaultVariant: "b" },
    maintenance: {
      state: "ENABLED",
      variants: { yes: true, no: false },
      defaultVariant: "no",
      targeting: { if: [{ $ref: "isStaff" }, "yes", null] },
    },
    broken: {
      state: "ENABLED",
      variants: { x: 1 },
      defaultVariant: "x",
      targeting: { if: [{ $ref: "nope" }, "x", null] },
    },
  },
};

const contexts: EvaluationContext[] = [
  {},
  { targetingKey: "user-1", email: "ann@shop.example" },
  { targetingKey: "user-2", email: "admin@ops.example" },
  ...Array.from({ length: 50 }, (_, i) => ({ targetingKey: `u${i}`, email: `u${i}@else.example` })),
];

function sameEvaluations(sets: FlagSetDefinition[]) {
  const direct = compileFlagSets(sets);
  const viaDocument = compileFlagSets([
    documentToFlagSet(JSON.parse(JSON.stringify(flagDocument(sets))) as FlagDocument),
  ]);
  for (const key of [...direct.flags.keys(), "missing"]) {
    for (const context of contexts) {
      const request = { key, defaultValue: null, context };
      const a = evaluateFlag(direct, request, clock);
      const b = evaluateFlag(viaDocument, request, clock);
      expect({ ...b, flagMetadata: undefined }, `${key} ${JSON.stringify(context)}`).toEqual({
        ...a,
        flagMetadata: undefined,
      });
      expect(b.flagMetadata).toMatchObject(a.flagMetadata);
    }
  }
}

describe("flagDocument", () => {
  it("passes one set through as written, $refs and metadata included", () => {
    const doc = flagDocument([web]);
    expect(doc).toEqual({
      $schema: "https://flagd.dev/schema/v0/flags.json",
      metadata: web.metadata,
      $evaluators: web.evaluators,
      flags: web.flags,
    });
    sameEvaluations([web]);
  });

  it("merges several sets so that every flag evaluates as it did, each $ref against its own file", () => {
    const doc = flagDocument([web, ops]);
    expect(Object.keys(doc.flags).sort()).toEqual(["banner", "broken", "checkout", "maintenance"]);
    expect(doc.flags.banner!.state).toBe("DISABLED");
    // the two isStaff evaluators differ: each flag got its own inlined
    expect(JSON.stringify(doc.flags.checkout!.targeting)).toContain("ends_with");
    expect(JSON.stringify(doc.flags.maintenance!.targeting)).toContain("starts_with");
    expect(doc.flags.checkout!.metadata).toEqual({ flagSetId: "web", version: 1, owner: "payments" });
    expect(doc.metadata).toEqual({ flagSetId: "ops", version: 1 });
    sameEvaluations([web, ops]);
  });
});
