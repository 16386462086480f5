import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// Runs the built CLI (`npm run build` first, as `npm test` does).
const BIN = join(import.meta.dirname, "..", "..", "bin", "slipway.js");
const dir = mkdtempSync(join(tmpdir(), "slipway-flags-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

function slipway(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const SHOP = file("shop.json", {
  $schema: "https://flagd.dev/schema/v0/flags.json",
  metadata: { flagSetId: "shop", version: "3" },
  flags: {
    "new-checkout": {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      targeting: { if: [{ ends_with: [{ var: "email" }, "@shop.example"] }, "on", null] },
    },
    greeting: {
      state: "ENABLED",
      variants: { hi: "hi", bye: "bye" },
      defaultVariant: "hi",
      metadata: { owner: "web" },
    },
    retired: { state: "DISABLED", variants: { on: true, off: false }, defaultVariant: "on" },
  },
});
const OVERRIDE = file("override.json", {
  flags: { greeting: { state: "ENABLED", variants: { hey: "hey" }, defaultVariant: "hey" } },
});

describe("slipway flags eval", () => {
  it("prints the evaluation details as JSON", () => {
    const r = slipway(
      "flags",
      "eval",
      "--file",
      SHOP,
      "--flag",
      "new-checkout",
      "--type",
      "boolean",
      "--default",
      "false",
      "--context",
      '{"targetingKey":"u-1","email":"ann@shop.example"}',
      "--json",
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      key: "new-checkout",
      value: true,
      variant: "on",
      reason: "TARGETING_MATCH",
      errorCode: null,
      errorMessage: null,
      flagMetadata: { flagSetId: "shop", version: "3" },
    });
  });

  it("exits 0 when the evaluation errs, with the caller's default and the error in the document", () => {
    const missing = slipway(
      "flags",
      "eval",
      "--file",
      SHOP,
      "--flag",
      "nope",
      "--default",
      '"bye"',
      "--json",
    );
    expect(missing.status).toBe(0);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      value: "bye",
      reason: "ERROR",
      errorCode: "FLAG_NOT_FOUND",
      variant: null,
    });
    const mismatch = slipway(
      "flags",
      "eval",
      "--file",
      SHOP,
      "--flag",
      "greeting",
      "--type",
      "integer",
      "--json",
    );
    expect(mismatch.status).toBe(0);
    expect(JSON.parse(mismatch.stdout)).toMatchObject({
      value: 0,
      reason: "ERROR",
      errorCode: "TYPE_MISMATCH",
    });
  });

  it("returns the caller's default for a disabled flag, reason DISABLED", () => {
    const r = slipway("flags", "eval", "--file", SHOP, "--flag", "retired", "--default", "false", "--json");
    expect(JSON.parse(r.stdout)).toMatchObject({ value: false, reason: "DISABLED", variant: null });
  });

  it("merges several files, the later one winning flag by flag", () => {
    const r = slipway(
      "flags",
      "eval",
      "--file",
      SHOP,
      "--file",
      OVERRIDE,
      "--flag",
      "greeting",
      "--default",
      '""',
      "--json",
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ value: "hey", variant: "hey", reason: "STATIC" });
  });

  it("prints one line for people", () => {
    const r = slipway("flags", "eval", "--file", SHOP, "--flag", "greeting");
    expect(r.stdout).toBe('greeting = "hi" (STATIC, variant hi)\n');
  });

  it.each([
    [["--default", "bye"], "--default must be a JSON value (strings in quotes, e.g. '\"bye\"'), got bye"],
    [["--context", "[1]"], "--context must be a JSON object, got [1]"],
    [["--type", "integer", "--default", "true"], "--default true does not match --type integer"],
  ])("exits 2 for a bad invocation %j", (extra, message) => {
    const r = slipway("flags", "eval", "--file", SHOP, "--flag", "greeting", ...extra);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`slipway: ${message}\n`);
  });

  it("exits 2 without --flag", () => {
    const r = slipway("flags", "eval", "--file", SHOP);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--flag");
  });

  it("exits 2 naming an invalid or missing flag file", () => {
    const bad = file(
      "bad.json",
      '{\n  "flags": {\n    "x": { "state": "on", "variants": { "a": 1 } }\n  }\n}\n',
    );
    const r = slipway("flags", "eval", "--file", bad, "--flag", "x");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`slipway: ${bad}:3:21: /flags/x/state: must be one of "ENABLED", "DISABLED"\n`);
    const gone = slipway("flags", "eval", "--file", join(dir, "gone.json"), "--flag", "x");
    expect(gone.status).toBe(2);
    expect(gone.stderr).toBe(`slipway: ${join(dir, "gone.json")}: no such flag file\n`);
  });
});

describe("slipway flags validate", () => {
  it("summarizes valid files", () => {
    const r = slipway("flags", "validate", SHOP, OVERRIDE);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      `${SHOP} is valid: 3 flag(s) (new-checkout, greeting, retired)\n${OVERRIDE} is valid: 1 flag(s) (greeting)\n`,
    );
  });

  it("lists every problem of every invalid file and exits 2", () => {
    const bad = file("two-problems.json", {
      flags: { a: { state: "ENABLED", variants: {} }, b: { variants: { x: 1 } } },
    });
    const r = slipway("flags", "validate", SHOP, bad, "--json");
    expect(r.status).toBe(2);
    const document = JSON.parse(r.stdout) as {
      valid: boolean;
      files: { valid: boolean; problems?: string[] }[];
    };
    expect(document.valid).toBe(false);
    expect(document.files[0]).toMatchObject({ valid: true });
    expect(document.files[1]!.problems).toEqual([
      `${bad}:5:19: /flags/a/variants: must NOT have fewer than 1 properties`,
      `${bad}:7:10: /flags/b: missing required property "state"`,
    ]);
  });
});
