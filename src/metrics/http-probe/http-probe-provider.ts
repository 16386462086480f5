import { request } from "undici";
import { ANALYSIS_DEFAULTS } from "../../core/analysis/defaults.js";
import type { MetricSample, SampleCheck } from "../../core/analysis/sample.js";
import {
  MetricQueryError,
  networkError,
  redactUrl,
  type MetricProvider,
  type MetricWindow,
  type TemplateVars,
} from "../provider.js";
import { escapeUrl, renderTemplate } from "../template.js";

/** A check on a field of the JSON body, addressed by a path like `$.checks.db.status` or `items[0].ok`. */
export interface JsonFieldCheck {
  path: string;
  /** The field must equal this exactly. */
  equals?: string | number | boolean | null;
  /** The field must be a number within these bounds. */
  min?: number;
  max?: number;
}

export interface HttpProbeSpec {
  provider: "http";
  /** URL with {{placeholders}} (values URL-encoded). */
  url: string;
  method?: "GET" | "POST" | "PUT" | "HEAD";
  headers?: Record<string, string>;
  body?: string;
  vars: TemplateVars;
  /** Accepted statuses (default any 2xx). */
  expectStatus?: number[];
  checks?: JsonFieldCheck[];
  /** A numeric JSON field reported as the measurement's result (for conditions and judges). */
  valuePath?: string;
  timeoutMs?: number;
}

const MAX_BODY = 1024 * 1024;

/** Resolve `$.a.b[0].c` / `a.b.0.c` in parsed JSON; undefined when any step is missing. */
export function jsonPathGet(value: unknown, path: string): unknown {
  const steps = path.replace(/^\$\.?/, "").match(/[^.[\]]+/g) ?? [];
  let current: unknown = value;
  for (const step of steps) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/**
 * HTTP probe (Argo's web metric): request a URL, then check the status and JSON fields. The server
 * answering with a bad status is a failed check (a verdict); not answering at all is an error.
 */
export class HttpProbeProvider implements MetricProvider<HttpProbeSpec> {
  constructor(private readonly now: () => number = Date.now) {}

  async query(spec: HttpProbeSpec, window: MetricWindow): Promise<MetricSample> {
    const url = renderTemplate(spec.url, spec.vars, escapeUrl);
    const timeoutMs = spec.timeoutMs ?? ANALYSIS_DEFAULTS.providerTimeoutMs;
    const method = spec.method ?? "GET";
    const shown = `${method} ${redactUrl(url)}`;
    let status: number;
    let text: string;
    try {
      const res = await request(url, {
        method,
        ...(spec.headers ? { headers: spec.headers } : {}),
        ...(spec.body !== undefined ? { body: spec.body } : {}),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.statusCode;
      text = await readCapped(res.body);
    } catch (error) {
      if (error instanceof TypeError && /Invalid URL|invalid url/i.test(error.message)) {
        throw new MetricQueryError("bad-spec", `not a valid probe URL: ${redactUrl(url)}`);
      }
      throw networkError(shown, error, timeoutMs);
    }
    const checks: SampleCheck[] = [];
    const okStatus = spec.expectStatus ? spec.expectStatus.includes(status) : status >= 200 && status < 300;
    checks.push({
      name: "status",
      ok: okStatus,
      detail: okStatus
        ? `status ${status}`
        : `status ${status}, expected ${spec.expectStatus ? spec.expectStatus.join(" or ") : "2xx"}`,
    });
    const needsJson = (spec.checks?.length ?? 0) > 0 || spec.valuePath !== undefined;
    let json: unknown;
    let jsonError: string | undefined;
    if (needsJson) {
      try {
        json = JSON.parse(text);
      } catch {
        jsonError = `body is not JSON (${text.slice(0, 60).replace(/\s+/g, " ")})`;
      }
    }
    for (const check of spec.checks ?? []) checks.push(fieldCheck(check, json, jsonError));
    const values: number[] = [];
    if (spec.valuePath !== undefined && jsonError === undefined) {
      const v = jsonPathGet(json, spec.valuePath);
      if (typeof v === "number") values.push(v);
      else if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) values.push(Number(v));
    }
    const end = this.now();
    return {
      values,
      series: [],
      window: { startMs: window.startMs, endMs: end },
      checks,
      source: `http probe ${shown}`,
    };
  }
}

function fieldCheck(check: JsonFieldCheck, json: unknown, jsonError: string | undefined): SampleCheck {
  const name = check.path;
  if (jsonError !== undefined) return { name, ok: false, detail: `${check.path}: ${jsonError}` };
  const actual = jsonPathGet(json, check.path);
  const shown = actual === undefined ? "missing" : JSON.stringify(actual);
  if (check.equals !== undefined && actual !== check.equals) {
    return { name, ok: false, detail: `${check.path} = ${shown}, expected ${JSON.stringify(check.equals)}` };
  }
  if (check.min !== undefined || check.max !== undefined) {
    if (typeof actual !== "number")
      return { name, ok: false, detail: `${check.path} = ${shown}, expected a number` };
    if (check.min !== undefined && actual < check.min)
      return { name, ok: false, detail: `${check.path} = ${shown}, expected ≥ ${check.min}` };
    if (check.max !== undefined && actual > check.max)
      return { name, ok: false, detail: `${check.path} = ${shown}, expected ≤ ${check.max}` };
  }
  if (
    check.equals === undefined &&
    check.min === undefined &&
    check.max === undefined &&
    actual === undefined
  ) {
    return { name, ok: false, detail: `${check.path} is missing` };
  }
  return { name, ok: true, detail: `${check.path} = ${shown}` };
}

async function readCapped(body: AsyncIterable<Buffer | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_BODY) chunks.push(Buffer.from(chunk));
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, MAX_BODY);
}
