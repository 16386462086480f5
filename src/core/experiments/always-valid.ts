import type { Interval } from "./lift.js";

/**
 * Always-valid confidence intervals (the mixture sequential probability ratio test of Johari,
 * Pekelis and Walsh, "Always valid inference", 2017, as Optimizely's stats engine uses it): with a
 * normal mixing distribution N(0, τ²) over the true effect, the set of effects the mSPRT does not
 * reject at level α after any number of looks is
 *
 *   estimate ± sqrt( V(V + τ²)/τ² · (2 ln(1/α) + ln((V + τ²)/V)) )
 *
 * where V is the estimate's variance now. Looking after every batch keeps the chance that it ever
 * excludes the true effect below α, where a fixed-horizon interval checked daily does not.
 * τ only trades power between small and large effects; validity holds for any τ.
 */
export const DEFAULT_MIXING_SD = 0.1;

export function alwaysValidInterval(
  estimate: number,
  variance: number,
  alpha = 0.05,
  mixingSd: number = DEFAULT_MIXING_SD,
): Interval {
  if (!Number.isFinite(estimate) || !Number.isFinite(variance) || variance <= 0) {
    return { lower: Number.NaN, upper: Number.NaN };
  }
  const tau2 = mixingSd * mixingSd;
  const half = Math.sqrt(
    ((variance * (variance + tau2)) / tau2) *
      (2 * Math.log(1 / alpha) + Math.log((variance + tau2) / variance)),
  );
  return { lower: estimate - half, upper: estimate + half };
}
