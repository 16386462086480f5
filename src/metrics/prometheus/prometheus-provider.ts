import { request } from "undici";
import type { MetricSample, MetricSeries } from "../../core/analysis/sample.js";
import { ANALYSIS_DEFAULTS } from "../../core/analysis/defaults.js";
import {
  MetricQueryError,
  networkError,
  redactUrl,
  type MetricProvider,
  type MetricWindow,
  type TemplateVars,
} from "../provider.js";
import { escapePromQL, renderTemplate } from "../template.js";

export interface PrometheusSpec {
  provider: "prometheus";
  /** Base URL of the Prometheus server, e.g. http://127.0.0.1:9090. */
  address: string;
  /** PromQL with {{revision}}, {{service}}, {{env}} placeholders (values are escaped for string literals). */
  query: string;
  /** "instant" (default): evaluate at the window's end; "range": points across the window. */
  mode?: "instant" | "range";
  vars: TemplateVars;
  /** Extra request headers (e.g. Authorization); never printed. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

interface ApiAnswer {
  status: "success" | "error";
  errorType?: string;
  error?: string;
  data?: { resultType: "vector" | "matrix" | "scalar" | "string"; result: unknown };
}

/** Prometheus' sample values are strings: "1.5", "NaN", "+Inf", "-Inf". */
export function parsePromValue(text: string): number {
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Range-query resolution when the window does not say: about 60 points, at least 1 s. */
export function defaultStepMs(window: MetricWindow): number {
  return Math.max(1000, Math.ceil((window.endMs - window.startMs) / 60 / 1000) * 1000);
}

/**
 * PromQL over Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`). A refused query is a
 * "bad-query" error quoting Prometheus' own message; a dead server is "unreachable"; neither is
 * ever turned into a value.
 */
export class PrometheusProvider implements MetricProvider<PrometheusSpec> {
  async query(spec: PrometheusSpec, window: MetricWindow): Promise<MetricSample> {
    const promql = renderTemplate(spec.query, spec.vars, escapePromQL);
    const mode = spec.mode ?? "instant";
    const timeoutMs = spec.timeoutMs ?? ANALYSIS_DEFAULTS.providerTimeoutMs;
    const base = spec.address.replace(/\/+$/, "");
    const where = `Prometheus at ${redactUrl(base)}`;
    const params = new URLSearchParams({
      query: promql,
      timeout: `${Math.max(1, Math.floor(timeoutMs / 1000))}s`,
    });
    if (mode === "instant") {
      params.set("time", String(window.endMs / 1000));
    } else {
      params.set("start", String(window.startMs / 1000));
      params.set("end", String(window.endMs / 1000));
      params.set("step", `${(window.stepMs ?? defaultStepMs(window)) / 1000}s`);
    }
    const path = mode === "instant" ? "/api/v1/query" : "/api/v1/query_range";
    let status: number;
    let text: string;
    try {
      const res = await request(`${base}${path}`, {
        method: "POST",
        headers: { ...spec.headers, "content-type": "application/x-www-form-urlencoded" },
        body: params.toString(),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      throw networkError(where, error, timeoutMs);
    }
    let answer: ApiAnswer;
    try {
      answer = JSON.parse(text) as ApiAnswer;
    } catch {
      throw new MetricQueryError(
        "bad-response",
        `${where} answered HTTP ${status} with a body that is not JSON: ${text.slice(0, 120)}`,
      );
    }
    if (answer.status !== "success" || !answer.data) {
      const kind =
        answer.errorType === "bad_data" || status === 400 || status === 422 ? "bad-query" : "bad-response";
      const what =
        kind === "bad-query"
          ? "refused the query"
          : `failed (HTTP ${status}, ${answer.errorType ?? "unknown error"})`;
      throw new MetricQueryError(
        kind,
        `${where} ${what}: ${answer.error ?? "no message"} (query: ${promql})`,
      );
    }
    const source = `prometheus ${mode} query ${promql}`;
    const sampleWindow = { startMs: mode === "instant" ? window.endMs : window.startMs, endMs: window.endMs };
    return toSample(answer.data, source, sampleWindow, where);
  }
}

function toSample(
  data: NonNullable<ApiAnswer["data"]>,
  source: string,
  window: MetricSample["window"],
  where: string,
): MetricSample {
  switch (data.resultType) {
    case "scalar": {
      const [, v] = data.result as [number, string];
      return { values: [parsePromValue(v)], series: [], window, source };
    }
    case "vector": {
      const result = data.result as { metric: Record<string, string>; value: [number, string] }[];
      return { values: result.map((r) => parsePromValue(r.value[1])), series: [], window, source };
    }
    case "matrix": {
      const result = data.result as { metric: Record<string, string>; values: [number, string][] }[];
      const series: MetricSeries[] = result.map((r) => ({
        labels: r.metric,
        points: r.values.map(([t, v]) => [Math.round(t * 1000), parsePromValue(v)] as [number, number]),
      }));
      return { values: series.map((s) => s.points.at(-1)?.[1] ?? Number.NaN), series, window, source };
    }
    case "string":
      throw new MetricQueryError(
        "bad-response",
        `${where} returned a string, not a number: ${JSON.stringify(data.result)}`,
      );
    default: {
      const never: never = data.resultType;
      throw new MetricQueryError("bad-response", `${where} returned an unknown result type ${String(never)}`);
    }
  }
}
