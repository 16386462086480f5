/**
 * What every judge returns. `explanation` is one line a person can read in `slipway status`:
 * metric, canary vs stable values, the test, its p-value or threshold, and the decision.
 * `numbers` holds the figures behind it for storage and `--json` (NaN becomes null in JSON).
 */
/**
 * "waiting": too few observations yet, which more traffic fixes (not a verdict: it never uses up a
 * run's count or inconclusive limit). "inconclusive": the data cannot tell (flat-lined, NaN).
 */
export type Verdict = "pass" | "fail" | "inconclusive" | "waiting";

export interface Judgement {
  verdict: Verdict;
  explanation: string;
  numbers: Record<string, number | string | boolean | null>;
  /** With "waiting": what is missing, e.g. 50 requests on the canary, 12 so far. */
  waitingFor?: WaitingFor;
}

export interface WaitingFor {
  side: "canary" | "stable";
  /** "requests", "observations", "data points". */
  what: string;
  needed: number;
  have: number;
}

/** "waiting for 50 requests on the canary (12 so far)". */
export function waitingText(w: WaitingFor): string {
  return `waiting for ${w.needed} ${w.what} on the ${w.side} (${w.have} so far)`;
}

/** Unit of a metric's values; it only changes how numbers are printed. */
export type MetricUnit = "ms" | "s" | "ratio" | "percent" | "bytes" | "count" | "none";

/** A value in the metric's unit, to three significant digits ("193 ms", "10.0%", "1.5 GiB"). */
export function formatValue(value: number, unit: MetricUnit = "none"): string {
  if (Number.isNaN(value)) return "no data";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  switch (unit) {
    case "ms":
      return `${significant(value)} ms`;
    case "s":
      return `${significant(value)} s`;
    case "ratio":
      return `${(value * 100).toFixed(1)}%`;
    case "percent":
      return `${value.toFixed(1)}%`;
    case "bytes": {
      const units = ["B", "KiB", "MiB", "GiB", "TiB"];
      let v = value;
      let i = 0;
      while (Math.abs(v) >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
      }
      return `${significant(v)} ${units[i] as string}`;
    }
    case "count":
    case "none":
      return significant(value);
    default: {
      const never: never = unit;
      return String(never);
    }
  }
}

/** Three significant digits, trailing zeros dropped ("0.5", "193", "1230"). */
export function significant(value: number): string {
  if (value === 0) return "0";
  return Number(value.toPrecision(3)).toString();
}

/** p-values as statisticians print them: "0.038", "4.6e-11". */
export function formatP(p: number): string {
  if (Number.isNaN(p)) return "n/a";
  if (p === 0) return "< 1e-300";
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** NaN and infinities become null so the numbers survive JSON. */
export function jsonNumber(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
