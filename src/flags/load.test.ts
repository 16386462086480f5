import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSlipwayError, type SlipwayError } from "../core/errors.js";
import { parseFlagFile } from "./load.js";

const SCHEMA_FIXTURES = join(import.meta.dirname, "..", "..", "test", "flags", "fixtures", "flagd-schemas");

function refusal(file: string, text: string): SlipwayError {
  try {
    parseFlagFile(file, text);
  } catch (error) {
    if (isSlipwayError(error)) return error;
    throw error;
  }
  throw new Error(`${file} was accepted`);
}

const problemsOf = (error: SlipwayError) => error.details.problems ?? [error.message];

describe("flagd-schemas' own test files", () => {
  const positives = readdirSync(join(SCHEMA_FIXTURES, "positive"));
  const negatives = readdirSync(join(SCHEMA_FIXTURES, "negative"));

  it.each(positives)("accepts positive/%s", (name) => {
    const set = parseFlagFile(name, readFileSync(join(SCHEMA_FIXTURES, "positive", name), "utf8"));
    expect(Object.keys(set.flags).length).toBeGreaterThan(0);
  });

  // with-array-flags.json is negative for providers (flags.json) but valid for the flagd daemon
  // (flagd.json accepts `flags` as an array), and Slipway validates as the daemon does.
  it.each(negatives.filter((n) => n !== "with-array-flags.json"))("refuses negative/%s", (name) => {
    const error = refusal(name, readFileSync(join(SCHEMA_FIXTURES, "negative", name), "utf8"));
    expect(error.code).toBe("SLIPWAY_INVALID_FLAGS");
    expect(problemsOf(error).every((p) => p.startsWith(`${name}:`))).toBe(true);
  });

  it("accepts flagd's array form and keys the flags by their key", () => {
    const set = parseFlagFile(
      "a.json",
      readFileSync(join(SCHEMA_FIXTURES, "negative", "with-array-flags.json"), "utf8"),
    );
    expect(Object.keys(set.flags).length).toBeGreaterThan(0);
  });
});

describe("located problems", () => {
  it("names file:line:col and the JSON pointer of each problem, all at once, in file order", () => {
    const text = [
      "{",
      '  "flags": {',
      '    "a": { "state": "ON", "variants": { "x": true, "y": "s" }, "defaultVariant": "x" },',
      '    "b": { "state": "ENABLED", "variants": { "x": 1 }, "defaultVariant": "z" }',
      "  }",
      "}",
    ].join("\n");
    const error = refusal("flags.json", text);
    expect(error.message).toBe("flags.json has 3 problems");
    expect(error.details.problems).toEqual([
      'flags.json:3:21: /flags/a/state: must be one of "ENABLED", "DISABLED"',
      "flags.json:3:39: /flags/a/variants: all variants must have one type: boolean, string, number or object",
      'flags.json:4:74: /flags/b/defaultVariant: defaultVariant "z" is not one of the variants (x)',
    ]);
    expect(error.details.location).toEqual({ file: "flags.json", line: 3, col: 21 });
  });

  it("points at an unknown key itself", () => {
    const text =
      '{\n  "flags": {},\n  "$evaluators": { "e": { "==": [1, 1] } },\n  "metadata": { "nested": { "no": 1 } }\n}';
    const error = refusal("f.json", text);
    expect(problemsOf(error)[0]).toMatch(/^f\.json:4:\d+: \/metadata\/nested: /);
  });

  it("locates a JSON syntax error", () => {
    const error = refusal("broken.json", '{\n  "flags": {\n    "a": {,}\n');
    expect(error.message).toMatch(/^broken\.json:3:11: invalid JSON: /);
  });

  it("refuses a file that is not an object", () => {
    expect(refusal("list.json", "[1]").message).toBe("list.json:1:1: must be object");
  });

  it("reads YAML flag files, and locates their problems", () => {
    const yaml =
      "flags:\n  banner:\n    state: ENABLED\n    variants: { on: true, off: false }\n    defaultVariant: on\n";
    expect(parseFlagFile("flags.yaml", yaml).flags.banner?.variants).toEqual({ on: true, off: false });
    const bad = "flags:\n  banner:\n    state: enabled\n    variants: { on: true }\n";
    expect(refusal("flags.yaml", bad).message).toBe(
      'flags.yaml:3:12: /flags/banner/state: must be one of "ENABLED", "DISABLED"',
    );
  });

  it("refuses a flag defined twice in the array form", () => {
    const text = JSON.stringify({
      flags: [
        { key: "a", state: "ENABLED", variants: { x: 1 }, defaultVariant: "x" },
        { key: "a", state: "ENABLED", variants: { x: 2 }, defaultVariant: "x" },
      ],
    });
    expect(refusal("dup.json", text).message).toMatch(/\/flags\/1: flag "a" is defined twice$/);
  });

  it("refuses targeting with an operator flagd does not know", () => {
    const text = JSON.stringify({
      flags: {
        a: { state: "ENABLED", variants: { x: 1 }, defaultVariant: "x", targeting: { regex: ["a", "b"] } },
      },
    });
    expect(problemsOf(refusal("op.json", text)).some((p) => p.includes("/flags/a/targeting"))).toBe(true);
  });
});
