export { alwaysValidInterval, DEFAULT_MIXING_SD } from "./always-valid.js";
export { chiSquareSf } from "./chi-square.js";
export { armMean, armVariance, relativeLift, type Arm, type Interval, type Lift } from "./lift.js";
export {
  experimentResults,
  MIN_USERS_PER_ARM,
  type Direction,
  type ExperimentData,
  type ExperimentResults,
  type VariantData,
  type VariantResult,
  type Verdict,
} from "./results.js";
export { sampleRatioCheck, SAMPLE_RATIO_ALPHA, type SampleRatioCheck } from "./sample-ratio.js";
