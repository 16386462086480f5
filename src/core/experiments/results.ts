import { alwaysValidInterval } from "./always-valid.js";
import { armMean, relativeLift, type Arm, type Interval, type Lift } from "./lift.js";
import { sampleRatioCheck, type SampleRatioCheck } from "./sample-ratio.js";

/** Whether a higher metric is good (conversion, revenue) or bad (latency, errors). */
export type Direction = "increase" | "decrease";

export interface VariantData {
  variant: string;
  /** The allocation weight the variant was assigned with (any scale; compared to the others). */
  weight: number;
  arm: Arm;
}

export interface ExperimentData {
  control: string;
  variants: readonly VariantData[];
  direction?: Direction;
  /** 1 − confidence: 0.05 gives 95 % intervals. */
  alpha?: number;
}

export type Verdict = "control" | "better" | "worse" | "inconclusive" | "too few users";

export interface VariantResult {
  variant: string;
  weight: number;
  exposures: number;
  /** Conversion rate or mean value per exposed user. */
  value: number;
  /** Relative to control; null for the control itself and while an arm is too small. */
  lift: Lift | null;
  alwaysValid: Interval | null;
  verdict: Verdict;
}

export interface ExperimentResults {
  variants: VariantResult[];
  sampleRatio: SampleRatioCheck;
  /** False on a sample-ratio mismatch: no verdict should be acted on. */
  trustworthy: boolean;
  /** The variant whose always-valid interval clears control in the good direction, if exactly one. */
  winner: string | null;
}

/** Below this many exposed users in an arm, the normal approximations are not trusted. */
export const MIN_USERS_PER_ARM = 100;

export function experimentResults(data: ExperimentData): ExperimentResults {
  const alpha = data.alpha ?? 0.05;
  const direction = data.direction ?? "increase";
  const control = data.variants.find((v) => v.variant === data.control);
  if (!control) throw new RangeError(`control variant "${data.control}" is not among the variants`);
  const sampleRatio = sampleRatioCheck(
    data.variants.map((v) => v.arm.n),
    data.variants.map((v) => v.weight),
  );
  const variants = data.variants.map((v): VariantResult => {
    const base = { variant: v.variant, weight: v.weight, exposures: v.arm.n, value: armMean(v.arm) };
    if (v === control) return { ...base, lift: null, alwaysValid: null, verdict: "control" };
    if (v.arm.n < MIN_USERS_PER_ARM || control.arm.n < MIN_USERS_PER_ARM) {
      return { ...base, lift: null, alwaysValid: null, verdict: "too few users" };
    }
    const lift = relativeLift(v.arm, control.arm, 1 - alpha);
    const alwaysValid = alwaysValidInterval(lift.estimate, lift.variance, alpha);
    return { ...base, lift, alwaysValid, verdict: verdictOf(alwaysValid, direction) };
  });
  const trustworthy = !sampleRatio.mismatch;
  const winners = variants.filter((v) => v.verdict === "better");
  return {
    variants,
    sampleRatio,
    trustworthy,
    winner: trustworthy && winners.length === 1 ? winners[0]!.variant : null,
  };
}

function verdictOf(interval: Interval, direction: Direction): Verdict {
  if (!(interval.lower > 0) && !(interval.upper < 0)) return "inconclusive";
  const higher = interval.lower > 0;
  return higher === (direction === "increase") ? "better" : "worse";
}
