import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDirs } from "../pipelines/actions/builtin/test-context.js";
import { beyondNewest, markUsed } from "./keep-newest.js";

const dirs = tempDirs();
const temp = (): string => dirs.make("slipway-keep-");
afterEach(() => dirs.cleanup());

describe("beyondNewest", () => {
  it("names what lies beyond the entries used most recently, and only the wanted ones", () => {
    const dir = temp();
    const at = (name: string, seconds: number) => {
      writeFileSync(join(dir, name), name);
      utimesSync(join(dir, name), seconds, seconds);
    };
    at("a.bundle", 1_000);
    at("b.bundle", 2_000);
    at("c.bundle", 3_000);
    at("d.bundle.123.tmp", 500);
    mkdirSync(join(dir, "sub"));
    utimesSync(join(dir, "sub"), 100, 100);
    const bundles = (name: string) => name.endsWith(".bundle");
    expect(beyondNewest(dir, 2, bundles)).toEqual([join(dir, "a.bundle")]);
    markUsed(join(dir, "a.bundle")); // used again: now the newest
    expect(beyondNewest(dir, 2, bundles)).toEqual([join(dir, "b.bundle")]);
    expect(beyondNewest(dir, 5)).toEqual([]);
    expect(beyondNewest(dir, 3)).toEqual([join(dir, "d.bundle.123.tmp"), join(dir, "sub")]);
    expect(beyondNewest(join(dir, "missing"), 0)).toEqual([]);
  });
});
