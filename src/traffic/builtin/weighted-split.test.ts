import { describe, expect, it } from "vitest";
import { SmoothWeightedSplit } from "./weighted-split.js";

const picks = (weights: number[], n: number) => {
  const split = new SmoothWeightedSplit(weights);
  return Array.from({ length: n }, () => split.next());
};

describe("SmoothWeightedSplit", () => {
  it("gives exactly the weights over every full cycle, interleaved", () => {
    const ten = picks([90, 10], 100);
    expect(ten.filter((i) => i === 1)).toHaveLength(10);
    // One "10" in every run of ten picks, not ten in a row.
    for (let start = 0; start < 100; start += 10)
      expect(ten.slice(start, start + 10).filter((i) => i === 1)).toHaveLength(1);
    expect(picks([5, 1, 1], 7)).toEqual([0, 0, 1, 0, 2, 0, 0]);
  });

  it("normalises any scale and skips zero weights", () => {
    expect(picks([0.9, 0.1], 1000).filter((i) => i === 1)).toHaveLength(100);
    expect(new Set(picks([0, 3, 0], 9))).toEqual(new Set([1]));
    expect(picks([0, 0], 3)).toEqual([-1, -1, -1]);
    expect(picks([], 1)).toEqual([-1]);
  });
});
