/**
 * The MetricProvider port's contract, runnable against every adapter (src/metrics/<provider>/):
 * what the analysis runner relies on when it takes ONE measurement of a metric for a revision over
 * a window. Each adapter's run lives beside it (`<provider>.contract.test.ts`) and brings real
 * parts: real servers on listen(0), real commands, a real proxy, real processes. No assertion is
 * on elapsed time; a deadline is proven by a source that never answers at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MetricDefinition, MetricSource } from "../../core/analysis/definition.js";
import { summarize, type Statistic } from "../../core/analysis/summary.js";
import { specFor, type MetricSpec } from "../index.js";
import { takeMeasurement } from "../measure.js";
import {
  MetricQueryError,
  type MetricProvider,
  type MetricQueryFailure,
  type MetricSample,
  type MetricWindow,
  type TemplateVars,
} from "../provider.js";

/** Inclusive bounds on a value; min = max for an exact one (real process memory is only a range). */
export interface ValueRange {
  min?: number;
  max?: number;
}

/** A source the provider cannot measure, and the failure it must report. */
export interface FailingSource {
  /** e.g. "an unreachable endpoint". */
  what: string;
  source: MetricSource;
  /** The revision's vars (default: the fixture's canary). */
  vars?: TemplateVars;
  /** When the failure lies in the provider's own source (the proxy's admin API, the runtime). */
  provider?: MetricProvider<MetricSpec>;
  failure: MetricQueryFailure;
  /** What the error message must say (why it could not measure). */
  says: RegExp;
}

export interface MetricProviderFixture {
  /** The port as the analysis runner holds it (createMetricProvider over the adapter's real source). */
  provider: MetricProvider<MetricSpec>;
  /** A healthy source; the vars pick the revision. */
  source: MetricSource;
  /** How the analysis reads this metric's sample. */
  statistic: Statistic;
  canary: TemplateVars;
  stable: TemplateVars;
  /** What the analysis must read for each revision from data inside the window. */
  expected: { canary: ValueRange; stable: ValueRange };
  /** Called once the window has opened: put the window's data in place (e.g. traffic through the proxy). */
  fillWindow?(): Promise<void>;
  failing: FailingSource[];
  /** A source that accepts the request and never answers, with the deadline it sets. */
  hanging?: { source: MetricSource; timeoutMs: number };
  close(): Promise<void>;
}

export type MetricProviderCase = "healthy" | "canary-and-stable" | "failing" | "timeout";

/** Why an adapter cannot satisfy a case; a skipped case says so in its title. */
export type MetricProviderSkips = Partial<Record<MetricProviderCase, string>>;

const definition = (fx: MetricProviderFixture, source: MetricSource): MetricDefinition => ({
  name: "contract metric",
  unit: "none",
  source,
  // A threshold nothing can cross: only whether a verdict or an error comes back matters here.
  judge: { kind: "threshold", statistic: fx.statistic, max: Number.MAX_VALUE },
  run: { name: "contract metric" },
});

const read = (fx: MetricProviderFixture, sample: MetricSample): number =>
  summarize(sample, fx.statistic).value;

function expectWithin(value: number, range: ValueRange, what: string): void {
  expect(Number.isFinite(value), `${what}: ${value} is not a number`).toBe(true);
  if (range.min !== undefined) expect(value, what).toBeGreaterThanOrEqual(range.min);
  if (range.max !== undefined) expect(value, what).toBeLessThanOrEqual(range.max);
}

/** Rejection value of a promise that must reject; fails the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(
    (value) => {
      throw new Error(`expected a MetricQueryError, got a sample: ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

export function metricProviderContract(
  label: string,
  setup: () => Promise<MetricProviderFixture>,
  skip: MetricProviderSkips = {},
): void {
  describe(`MetricProvider contract: ${label}`, () => {
    let fx: MetricProviderFixture;
    beforeAll(async () => {
      fx = await setup();
    }, 60_000);
    afterAll(async () => {
      await fx?.close();
    });

    const test = (name: MetricProviderCase, title: string, body: () => Promise<void>) => {
      const reason = skip[name];
      if (reason !== undefined) it.skip(`${title} — skipped: ${reason}`, body);
      else it(title, body, 30_000);
    };

    /** Opens a window, fills it, closes it at "now": what the runner does before measuring. */
    const window = async (): Promise<MetricWindow> => {
      const startMs = Date.now();
      await fx.fillWindow?.();
      return { startMs, endMs: Date.now() };
    };

    test(
      "healthy",
      "measures a healthy source: the value the analysis reads, for the asked revision and window",
      async () => {
        const w = await window();
        const sample = await fx.provider.query(specFor(fx.source, fx.canary), w);
        const answeredAt = Date.now();
        expectWithin(read(fx, sample), fx.expected.canary, "canary");
        // The sample reports the span it covers, ending between the window's end and its answer.
        // (Its start may precede the window's: the proxy answers from the snapshot at or before it.)
        expect(sample.window.startMs).toBeLessThanOrEqual(w.endMs);
        expect(sample.window.startMs).toBeLessThanOrEqual(sample.window.endMs);
        expect(sample.window.endMs).toBeGreaterThanOrEqual(w.endMs);
        expect(sample.window.endMs).toBeLessThanOrEqual(answeredAt);
        expect(sample.source.length).toBeGreaterThan(0);
        // Through the runner's path it is a verdict, never an error.
        const m = await takeMeasurement(fx.provider, definition(fx, fx.source), { canary: fx.canary }, w);
        expect(m.phase, m.explanation).toBe("successful");
      },
    );

    test(
      "canary-and-stable",
      "measures canary and stable over the same window at once without mixing them up",
      async () => {
        const w = await window();
        const [stable, canary] = await Promise.all([
          fx.provider.query(specFor(fx.source, fx.stable), w),
          fx.provider.query(specFor(fx.source, fx.canary), w),
        ]);
        expectWithin(read(fx, canary), fx.expected.canary, "canary");
        expectWithin(read(fx, stable), fx.expected.stable, "stable");
      },
    );

    test(
      "failing",
      "a source it cannot measure is a MetricQueryError saying why, and an error measurement (never a verdict, never a throw)",
      async () => {
        expect(fx.failing.length).toBeGreaterThan(0);
        for (const f of fx.failing) {
          const provider = f.provider ?? fx.provider;
          const vars = f.vars ?? fx.canary;
          const w = { startMs: Date.now() - 1000, endMs: Date.now() };
          const error = await rejectionOf(provider.query(specFor(f.source, vars), w));
          expect(error, f.what).toBeInstanceOf(MetricQueryError);
          const { failure, message } = error as MetricQueryError;
          expect({ what: f.what, failure }).toEqual({ what: f.what, failure: f.failure });
          expect(message, f.what).toMatch(f.says);
          const m = await takeMeasurement(provider, definition(fx, f.source), { canary: vars }, w);
          expect({ what: f.what, phase: m.phase }).toEqual({ what: f.what, phase: "error" });
          expect(m.explanation).toBe(`contract metric: could not measure: ${message}`);
        }
      },
    );

    test(
      "timeout",
      "respects its timeout: a source that never answers is a timeout error naming the deadline",
      async () => {
        const hanging = fx.hanging;
        if (!hanging) throw new Error("the fixture has no hanging source; skip this case with a reason");
        const w = { startMs: Date.now() - 1000, endMs: Date.now() };
        // The source never answers, so only the provider's own deadline can end this query.
        const error = await rejectionOf(fx.provider.query(specFor(hanging.source, fx.canary), w));
        expect(error).toBeInstanceOf(MetricQueryError);
        expect((error as MetricQueryError).failure).toBe("timeout");
        expect((error as MetricQueryError).message).toContain(`${hanging.timeoutMs} ms`);
      },
    );
  });
}
