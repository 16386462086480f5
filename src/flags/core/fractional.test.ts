import { describe, expect, it } from "vitest";
import { compileFlagSets } from "./compile.js";
import { evaluateFlag } from "./evaluate.js";
import { murmur3Utf8, murmur3x86_32 } from "./murmur3.js";
import { bucketOf } from "./operators.js";
import type { FlagDefinition, JsonValue } from "./types.js";

describe("murmur3x86_32", () => {
  it.each([
    ["", 0x00000000],
    ["test", 0xba6bd213],
    ["hello", 0x248bfa47],
    ["Hello, world!", 0xc0363e43],
    ["The quick brown fox jumps over the lazy dog", 0x2e4ff723],
  ])("%j hashes to the reference value", (text, hash) => {
    expect(murmur3Utf8(text)).toBe(hash);
  });

  it("hashes the UTF-8 bytes of a string, not its UTF-16 code units", () => {
    const text = "grüße-😀";
    const bytes = new TextEncoder().encode(text);
    expect(murmur3Utf8(text)).toBe(murmur3x86_32(bytes));
    expect(bytes.length).toBeGreaterThan(text.length);
    // Seeded vector from the reference implementation's test suite.
    expect(murmur3x86_32(new Uint8Array([]), 0, 1)).toBe(0x514e28b7);
  });
});

describe("bucketOf", () => {
  it("equals (hash × totalWeight) >> 32 computed in 64-bit integers", () => {
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const weights = [1, 2, 3, 100, 1000, 65_535, 65_536, 1_000_003, 2_147_483_647];
    for (let i = 0; i < 20_000; i++) {
      const hash = i < 3 ? [0, 1, 0xffffffff][i]! : next();
      const weight = weights[i % weights.length]!;
      const exact = Number((BigInt(hash) * BigInt(weight)) >> 32n);
      expect(bucketOf(hash, weight)).toBe(exact);
    }
  });
});

const fractionalFlag = (weights: [string, number][]): FlagDefinition => ({
  state: "ENABLED",
  variants: Object.fromEntries(weights.map(([name]) => [name, name])),
  defaultVariant: weights[0]![0],
  targeting: { fractional: weights as unknown as JsonValue[] },
});

function assign(weights: [string, number][], keys: number): string[] {
  const set = compileFlagSets([
    { metadata: {}, evaluators: {}, flags: { rollout: fractionalFlag(weights) } },
  ]);
  const out: string[] = [];
  for (let i = 0; i < keys; i++) {
    out.push(
      evaluateFlag(set, { key: "rollout", defaultValue: "", context: { targetingKey: `user-${i}` } }, () => 0)
        .value,
    );
  }
  return out;
}

const KEYS = 100_000;
const share = (assignments: string[], variant: string) =>
  assignments.filter((v) => v === variant).length / assignments.length;

describe("fractional distribution over 100 000 targeting keys", () => {
  it("gives each of four equal buckets 25 % ± 1 %", () => {
    const assignments = assign(
      [
        ["a", 25],
        ["b", 25],
        ["c", 25],
        ["d", 25],
      ],
      KEYS,
    );
    for (const variant of ["a", "b", "c", "d"]) {
      expect(Math.abs(share(assignments, variant) - 0.25), variant).toBeLessThanOrEqual(0.01);
    }
  });

  it("gives a 10 / 90 split 10 % ± 1 %", () => {
    const assignments = assign(
      [
        ["on", 10],
        ["off", 90],
      ],
      KEYS,
    );
    expect(Math.abs(share(assignments, "on") - 0.1)).toBeLessThanOrEqual(0.01);
  });

  it("keeps every user on 'on' when its share grows from 10 % to 20 %, and moves about 10 % more", () => {
    const before = assign(
      [
        ["on", 10],
        ["off", 90],
      ],
      KEYS,
    );
    const after = assign(
      [
        ["on", 20],
        ["off", 80],
      ],
      KEYS,
    );
    const leftOn = before.filter((v, i) => v === "on" && after[i] !== "on").length;
    expect(leftOn).toBe(0);
    const moved = before.filter((v, i) => v === "off" && after[i] === "on").length / KEYS;
    expect(Math.abs(moved - 0.1)).toBeLessThanOrEqual(0.01);
  });

  it("assigns identically when the weights are scaled (1 / 9 and 10 / 90)", () => {
    const small = assign(
      [
        ["on", 1],
        ["off", 9],
      ],
      20_000,
    );
    const large = assign(
      [
        ["on", 10],
        ["off", 90],
      ],
      20_000,
    );
    expect(small).toEqual(large);
  });
});
