import type { Condition } from "../condition.js";
import type { MetricSample } from "../sample.js";
import { formatValue, jsonNumber, type Judgement, type MetricUnit } from "../verdict.js";

export interface ConditionOptions {
  metric: string;
  unit?: MetricUnit;
  successCondition?: Condition;
  failureCondition?: Condition;
}

/**
 * Argo Rollouts' measurement rules: failed when the failure condition holds, or when only a
 * success condition exists and it does not hold; successful when the success condition holds, or
 * only a failure condition exists and it does not; inconclusive when both exist and neither holds.
 * Where Argo would then call "no condition at all" a success, we fall back to what the sample
 * itself says (probe checks, exit code) and otherwise answer inconclusive. An empty result is
 * inconclusive unless a condition handles it (`len(result)`, `isNaN(result)`), so no data never
 * fails or passes by accident.
 */
export function judgeConditions(sample: MetricSample, options: ConditionOptions): Judgement {
  const { metric, unit = "none", successCondition: success, failureCondition: failure } = options;
  const result =
    sample.series.length > 0 ? sample.series.map((s) => s.points.at(-1)?.[1] ?? Number.NaN) : sample.values;
  const shown =
    result.length === 0 ? "[] (no data)" : `[${result.map((v) => formatValue(v, unit)).join(", ")}]`;
  const numbers: Judgement["numbers"] = {
    result: result.length === 1 ? jsonNumber(result[0] as number) : JSON.stringify(result.map(jsonNumber)),
    exitCode: sample.exitCode ?? null,
  };
  const env = { result, ...(sample.exitCode !== undefined ? { exitCode: sample.exitCode } : {}) };
  const head = `${metric}: canary result ${shown}`;

  if (!success && !failure) return judgeByDefault(sample, metric, head, numbers);
  const handlesNoData = (success?.handlesNoData ?? false) || (failure?.handlesNoData ?? false);
  if (result.length === 0 && sample.exitCode === undefined && !handlesNoData) {
    return {
      verdict: "inconclusive",
      explanation: `${head}; ${sample.source} returned no data, conditions not evaluated → inconclusive`,
      numbers,
    };
  }
  const s = success?.evaluate(env);
  const f = failure?.evaluate(env);
  const describe = (label: string, c: Condition | undefined, v: boolean | undefined) =>
    c ? `${label} \`${c.source}\` ${String(v)}` : "";
  const conditions = [describe("failureCondition", failure, f), describe("successCondition", success, s)]
    .filter(Boolean)
    .join(", ");
  let verdict: Judgement["verdict"];
  if (f === true) verdict = "fail";
  else if (!failure) verdict = s === true ? "pass" : "fail";
  else if (!success) verdict = "pass";
  else verdict = s === true ? "pass" : "inconclusive";
  const tail = verdict === "inconclusive" ? " (neither condition matched)" : "";
  return { verdict, explanation: `${head}; ${conditions}${tail} → ${verdict}`, numbers };
}

function judgeByDefault(
  sample: MetricSample,
  metric: string,
  head: string,
  numbers: Judgement["numbers"],
): Judgement {
  if (sample.checks && sample.checks.length > 0) {
    const failed = sample.checks.filter((c) => !c.ok);
    numbers.checks = sample.checks.length;
    numbers.failedChecks = failed.length;
    return failed.length === 0
      ? {
          verdict: "pass",
          explanation: `${metric}: all ${sample.checks.length} checks passed (${sample.checks.map((c) => c.detail).join("; ")}) → pass`,
          numbers,
        }
      : {
          verdict: "fail",
          explanation: `${metric}: ${failed.length} of ${sample.checks.length} checks failed (${failed.map((c) => c.detail).join("; ")}) → fail`,
          numbers,
        };
  }
  if (sample.exitCode !== undefined) {
    return sample.exitCode === 0
      ? { verdict: "pass", explanation: `${metric}: ${sample.source} exited 0 → pass`, numbers }
      : {
          verdict: "fail",
          explanation: `${metric}: ${sample.source} exited ${sample.exitCode} → fail`,
          numbers,
        };
  }
  return {
    verdict: "inconclusive",
    explanation: `${head}; no successCondition or failureCondition configured → inconclusive`,
    numbers,
  };
}
