import { SlipwayError } from "../core/errors.js";
import type { MetricSample } from "../core/analysis/sample.js";

export type { MetricSample } from "../core/analysis/sample.js";

/** The time span to measure over, unix ms. `stepMs` is the resolution of range queries. */
export interface MetricWindow {
  startMs: number;
  endMs: number;
  stepMs?: number;
}

/** Values for {{name}} placeholders in queries, URLs and commands: revision, service, env, … */
export type TemplateVars = Readonly<Record<string, string>>;

/**
 * The port the analysis runner needs from a metrics backend: take one measurement. Adapters:
 * prometheus/, http-probe/, command/, proxy-stats/, resources/. A provider throws
 * MetricQueryError when it cannot measure; it never turns that into a verdict itself.
 */
export interface MetricProvider<Spec> {
  query(spec: Spec, window: MetricWindow): Promise<MetricSample>;
}

/** Why a measurement could not be taken. */
export type MetricQueryFailure = "bad-query" | "unreachable" | "timeout" | "bad-response" | "bad-spec";

export class MetricQueryError extends SlipwayError {
  constructor(
    readonly failure: MetricQueryFailure,
    message: string,
  ) {
    super("SLIPWAY_METRIC_QUERY", message);
  }
}

export const isMetricQueryError = (error: unknown): error is MetricQueryError =>
  error instanceof MetricQueryError;

/** A URL without user:password, safe for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = "***";
      u.password = "";
    }
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}

/** Map a network failure (undici/Node error codes) to an unreachable/timeout MetricQueryError. */
export function networkError(what: string, error: unknown, timeoutMs: number): MetricQueryError {
  const err = error as { code?: unknown; name?: string; message?: string; cause?: { code?: unknown } };
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const code = text(err.code) || text(err.cause?.code);
  // AbortSignal.timeout() rejects with a DOMException named TimeoutError (numeric code 23);
  // undici's own deadlines use UND_ERR_*_TIMEOUT codes.
  if (err.name === "TimeoutError" || err.name === "AbortError" || /TIMEOUT/i.test(code)) {
    return new MetricQueryError("timeout", `${what} did not answer within ${timeoutMs} ms`);
  }
  return new MetricQueryError(
    "unreachable",
    `${what} is unreachable (${code || err.message || "network error"})`,
  );
}
