/**
 * Smooth weighted round-robin (nginx's algorithm): every pick adds each weight to its running
 * score, takes the highest, and subtracts the total from it. Over any run of `sum(weights)` picks
 * with integer weights each index comes up exactly `weight` times, interleaved (90/10 gives one
 * "10" in every ten picks), so a split is exact without randomness.
 */
export class SmoothWeightedSplit {
  private readonly scores: number[];
  private readonly total: number;

  constructor(private readonly weights: readonly number[]) {
    this.scores = weights.map(() => 0);
    this.total = weights.reduce((sum, weight) => sum + Math.max(0, weight), 0);
  }

  /** Index of the next pick, or -1 when every weight is 0. */
  next(): number {
    if (this.total <= 0) return -1;
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < this.weights.length; i++) {
      const weight = this.weights[i] ?? 0;
      if (weight <= 0) continue;
      const score = (this.scores[i] ?? 0) + weight;
      this.scores[i] = score;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    this.scores[best] = bestScore - this.total;
    return best;
  }
}
