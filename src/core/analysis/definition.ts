import { z } from "zod";
import { parseDuration } from "../duration.js";
import { SlipwayError } from "../errors.js";
import { ConditionSyntaxError, parseCondition } from "./condition.js";
import type { JudgeSpec } from "./evaluate.js";
import type { MetricRunSpec } from "./metric-run.js";
import { STATISTICS, type Statistic } from "./summary.js";
import type { MetricUnit } from "./verdict.js";

/**
 * Analysis metrics as written in slipway.yaml (`environments.<env>.analysis.metrics[]` and
 * `steps[].analysis.metrics[]`; the config loader passes them through untyped). One flat object
 * per metric: where to measure (`provider` and its keys), how to judge, how often. Unknown keys
 * are refused so a typo is an error, not a silently ignored option.
 */

/** Where a metric's measurements come from; the adapters in src/metrics add the template vars. */
export type MetricSource =
  | { provider: "proxy" }
  | {
      provider: "prometheus";
      address: string;
      query: string;
      mode: "instant" | "range";
      headers?: Record<string, string>;
      timeoutMs?: number;
    }
  | {
      provider: "http";
      url: string;
      method: "GET" | "POST" | "PUT" | "HEAD";
      headers?: Record<string, string>;
      body?: string;
      expectStatus?: number[];
      checks?: { path: string; equals?: string | number | boolean | null; min?: number; max?: number }[];
      valuePath?: string;
      timeoutMs?: number;
    }
  | {
      provider: "command";
      command: string;
      valuePattern?: string;
      cwd?: string;
      env?: Record<string, string>;
      timeoutMs?: number;
    }
  | { provider: "resources"; resource: "cpu" | "memory" };

export interface MetricDefinition {
  name: string;
  unit: MetricUnit;
  source: MetricSource;
  judge: JudgeSpec;
  run: MetricRunSpec;
}

const duration = z
  .string()
  .refine((v) => parseDuration(v) !== undefined, { error: 'expected a duration like "30s", "5m", "1h"' });
const ms = (v: string | undefined) => (v === undefined ? undefined : (parseDuration(v) as number));
const nonNegInt = z.int().min(0);
const probability = z.number().gt(0).lt(1);
const condition = z.string().superRefine((text, ctx) => {
  try {
    parseCondition(text);
  } catch (error) {
    if (error instanceof ConditionSyntaxError) ctx.addIssue({ code: "custom", message: error.message });
    else throw error;
  }
});

const common = {
  name: z.string().min(1),
  unit: z.enum(["ms", "s", "ratio", "percent", "bytes", "count", "none"]).default("none"),
  judge: z.enum(["threshold", "ratio", "distribution", "error-rate", "conditions"]).optional(),
  statistic: z.enum(STATISTICS as [Statistic, ...Statistic[]]).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  maxRatio: z.number().gt(0).optional(),
  minRatio: z.number().gt(0).optional(),
  minSamples: nonNegInt.optional(),
  alpha: probability.optional(),
  minEffectRatio: z.number().gte(1).optional(),
  minDelta: z.number().min(0).optional(),
  minIncrease: z.number().min(0).max(1).optional(),
  direction: z.enum(["increase", "decrease", "either"]).optional(),
  flatline: z.enum(["inconclusive", "ignore", "pass"]).optional(),
  successCondition: condition.optional(),
  failureCondition: condition.optional(),
  interval: duration.optional(),
  count: nonNegInt.optional(),
  initialDelay: duration.optional(),
  failureLimit: z.int().min(-1).optional(),
  inconclusiveLimit: nonNegInt.optional(),
  consecutiveErrorLimit: nonNegInt.optional(),
  consecutiveSuccessLimit: nonNegInt.optional(),
  onInconclusive: z.enum(["wait", "pause", "fail"]).default("pause"),
  dryRun: z.boolean().default(false),
  measurementRetention: z.int().min(1).optional(),
  maxWait: duration.optional(),
  timeout: duration.optional(),
};
const headers = z.record(z.string(), z.string()).optional();

const metricSchema = z.discriminatedUnion("provider", [
  z.strictObject({ ...common, provider: z.literal("proxy") }),
  z.strictObject({
    ...common,
    provider: z.literal("prometheus"),
    address: z.url({ error: "expected the Prometheus base URL, e.g. http://127.0.0.1:9090" }),
    query: z.string().min(1),
    mode: z.enum(["instant", "range"]).default("instant"),
    headers,
  }),
  z.strictObject({
    ...common,
    provider: z.literal("http"),
    url: z.string().min(1),
    method: z.enum(["GET", "POST", "PUT", "HEAD"]).default("GET"),
    headers,
    body: z.string().optional(),
    expectStatus: z.array(z.int().min(100).max(599)).optional(),
    checks: z
      .array(
        z.strictObject({
          path: z.string().min(1),
          equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
          min: z.number().optional(),
          max: z.number().optional(),
        }),
      )
      .optional(),
    valuePath: z.string().optional(),
  }),
  z.strictObject({
    ...common,
    provider: z.literal("command"),
    command: z.string().min(1),
    valuePattern: z.string().optional(),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({ ...common, provider: z.literal("resources"), resource: z.enum(["cpu", "memory"]) }),
]);

type RawMetric = z.infer<typeof metricSchema>;

/**
 * Validate and type metric definitions. `where` prefixes every problem (e.g.
 * "slipway.yaml: environments.production.analysis.metrics"); problems name the index and key.
 */
export function parseMetricDefinitions(raw: readonly unknown[], where: string): MetricDefinition[] {
  const problems: string[] = [];
  const out: MetricDefinition[] = [];
  const names = new Set<string>();
  raw.forEach((item, index) => {
    const parsed = metricSchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${where}[${index}]${formatPath(issue.path)}: ${issue.message}`);
      return;
    }
    const def = toDefinition(parsed.data, (message) => problems.push(`${where}[${index}]: ${message}`));
    if (!def) return;
    if (names.has(def.name)) problems.push(`${where}[${index}].name: "${def.name}" is used twice`);
    names.add(def.name);
    out.push(def);
  });
  if (problems.length > 0) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_CONFIG",
      `invalid analysis metrics: ${problems[0] as string}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`,
      { problems },
    );
  }
  return out;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
}

function toDefinition(m: RawMetric, problem: (message: string) => void): MetricDefinition | undefined {
  const kind =
    m.judge ??
    (m.successCondition !== undefined ||
    m.failureCondition !== undefined ||
    m.provider === "http" ||
    m.provider === "command"
      ? "conditions"
      : undefined);
  if (kind === undefined) {
    problem(
      `metric "${m.name}" needs a judge (threshold, ratio, distribution, error-rate) or a successCondition/failureCondition`,
    );
    return undefined;
  }
  let judge: JudgeSpec;
  const set = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(
      keys
        .filter((k) => (m as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, (m as Record<string, unknown>)[k]]),
    );
  switch (kind) {
    case "threshold":
      if (m.min === undefined && m.max === undefined) {
        problem(`metric "${m.name}": a threshold needs min or max`);
        return undefined;
      }
      if (m.flatline === "pass") {
        problem(`metric "${m.name}": flatline for a threshold is "inconclusive" or "ignore"`);
        return undefined;
      }
      judge = {
        kind,
        statistic: m.statistic ?? "value",
        ...set(["min", "max", "minSamples", "flatline"] as const),
      };
      break;
    case "ratio":
      judge = {
        kind,
        statistic: m.statistic ?? "value",
        ...set(["maxRatio", "minRatio", "minSamples", "minDelta", "alpha"] as const),
      };
      break;
    case "distribution":
      if (m.flatline === "ignore") {
        problem(`metric "${m.name}": flatline for a distribution is "inconclusive" or "pass"`);
        return undefined;
      }
      judge = {
        kind,
        ...set(["direction", "alpha", "minSamples", "minEffectRatio", "minDelta", "flatline"] as const),
      };
      break;
    case "error-rate":
      if (m.provider !== "proxy") {
        problem(
          `metric "${m.name}": the error-rate judge needs request counts, which only the proxy provider has`,
        );
        return undefined;
      }
      judge = { kind, ...set(["alpha", "minSamples", "minIncrease", "minEffectRatio"] as const) };
      break;
    case "conditions":
      judge = { kind, ...set(["successCondition", "failureCondition"] as const) };
      break;
    default: {
      const never: never = kind;
      throw new Error(`unknown judge ${String(never)}`);
    }
  }
  const run: MetricRunSpec = {
    name: m.name,
    onInconclusive: m.onInconclusive,
    dryRun: m.dryRun,
    ...(m.interval !== undefined && { intervalMs: ms(m.interval) }),
    ...(m.initialDelay !== undefined && { initialDelayMs: ms(m.initialDelay) }),
    ...(m.maxWait !== undefined && { maxWaitMs: ms(m.maxWait) }),
    ...set([
      "count",
      "failureLimit",
      "inconclusiveLimit",
      "consecutiveErrorLimit",
      "consecutiveSuccessLimit",
      "measurementRetention",
    ] as const),
  };
  if (run.count !== undefined && run.count > 1 && run.intervalMs === undefined) {
    problem(`metric "${m.name}": count ${run.count} needs an interval`);
    return undefined;
  }
  const timeoutMs = ms(m.timeout);
  const withTimeout = timeoutMs === undefined ? {} : { timeoutMs };
  let source: MetricSource;
  switch (m.provider) {
    case "proxy":
      source = { provider: "proxy" };
      break;
    case "prometheus":
      source = {
        provider: "prometheus",
        address: m.address,
        query: m.query,
        mode: m.mode,
        ...(m.headers && { headers: m.headers }),
        ...withTimeout,
      };
      break;
    case "http":
      source = {
        provider: "http",
        url: m.url,
        method: m.method,
        ...(m.headers && { headers: m.headers }),
        ...(m.body !== undefined && { body: m.body }),
        ...(m.expectStatus && { expectStatus: m.expectStatus }),
        ...(m.checks && { checks: m.checks }),
        ...(m.valuePath !== undefined && { valuePath: m.valuePath }),
        ...withTimeout,
      };
      break;
    case "command":
      source = {
        provider: "command",
        command: m.command,
        ...(m.valuePattern !== undefined && { valuePattern: m.valuePattern }),
        ...(m.cwd !== undefined && { cwd: m.cwd }),
        ...(m.env && { env: m.env }),
        ...withTimeout,
      };
      break;
    case "resources":
      source = { provider: "resources", resource: m.resource };
      break;
    default: {
      const never: never = m;
      throw new Error(`unknown provider ${JSON.stringify(never)}`);
    }
  }
  return { name: m.name, unit: m.unit, source, judge, run };
}
