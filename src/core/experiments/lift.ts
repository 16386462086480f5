import { normalQuantile } from "../analysis/stats/normal.js";

/**
 * One arm of an experiment as sufficient statistics: users exposed, the sum of their metric values
 * and the sum of squares. A conversion metric is the special case of 0/1 values (sum = conversions =
 * sum of squares), so one representation serves rates and means (revenue, latency) alike, and
 * results for a million events need three numbers per arm, not the events.
 */
export interface Arm {
  n: number;
  sum: number;
  sumOfSquares: number;
}

export function armMean(arm: Arm): number {
  return arm.n > 0 ? arm.sum / arm.n : Number.NaN;
}

/** The sample variance of the per-user values (n − 1 in the denominator). */
export function armVariance(arm: Arm): number {
  if (arm.n < 2) return Number.NaN;
  const mean = arm.sum / arm.n;
  return Math.max(0, (arm.sumOfSquares - arm.n * mean * mean) / (arm.n - 1));
}

export interface Interval {
  lower: number;
  upper: number;
}

export interface Lift {
  /** treatment mean / control mean − 1 */
  estimate: number;
  /** Delta-method variance of the estimate. */
  variance: number;
  /** Fixed-horizon interval: valid when looked at once, at a sample size fixed in advance. */
  interval: Interval;
}

/**
 * Relative lift of treatment over control with the delta method: for R = X̄t / X̄c,
 * Var(R) ≈ Var(X̄t) / X̄c² + X̄t² · Var(X̄c) / X̄c⁴, arms independent. Undefined (NaN) while either arm
 * has fewer than two users or the control mean is 0.
 */
export function relativeLift(treatment: Arm, control: Arm, confidence = 0.95): Lift {
  const mt = armMean(treatment);
  const mc = armMean(control);
  const varMt = armVariance(treatment) / treatment.n;
  const varMc = armVariance(control) / control.n;
  const estimate = mt / mc - 1;
  const variance = varMt / (mc * mc) + (mt * mt * varMc) / mc ** 4;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const half = z * Math.sqrt(variance);
  if (!Number.isFinite(estimate) || !Number.isFinite(variance)) {
    return { estimate: Number.NaN, variance: Number.NaN, interval: { lower: Number.NaN, upper: Number.NaN } };
  }
  return { estimate, variance, interval: { lower: estimate - half, upper: estimate + half } };
}
