import { describe, expect, it } from "vitest";
import type { ExperimentStore, StoredExperiment } from "../ports/experiment-store.js";

const experiment = (key: string, extra: Partial<StoredExperiment> = {}): StoredExperiment => ({
  key,
  flagKey: "checkout",
  description: "new checkout converts better",
  control: "off",
  allocation: { off: 50, on: 50 },
  metrics: [
    { event: "purchase", kind: "conversion", direction: "increase" },
    { event: "revenue", kind: "value", direction: "increase" },
  ],
  status: "draft",
  createdAt: "2026-12-06T10:00:00.000Z",
  createdBy: "alice",
  startedAt: null,
  stoppedAt: null,
  shippedVariant: null,
  ...extra,
});

const running = {
  status: "running",
  startedAt: "2026-12-06T10:01:00.000Z",
  stoppedAt: null,
  shippedVariant: null,
} as const;

/** One behaviour for every ExperimentStore adapter. */
export function experimentStoreContract(
  adapter: string,
  makeStore: () => ExperimentStore | Promise<ExperimentStore>,
): void {
  describe(`ExperimentStore contract: ${adapter}`, () => {
    it("creates once per key, keeps the definition exactly and lists newest first", async () => {
      const store = await makeStore();
      expect(await store.create(experiment("a"))).toBe(true);
      expect(await store.create(experiment("a", { description: "other" }))).toBe(false);
      expect(await store.create(experiment("b", { createdAt: "2026-12-06T11:00:00.000Z" }))).toBe(true);
      expect(await store.get("a")).toEqual(experiment("a"));
      expect(await store.get("nope")).toBeUndefined();
      expect((await store.list()).map((e) => e.key)).toEqual(["b", "a"]);
    });

    it("transitions only from the expected status (two starts at once start it once)", async () => {
      const store = await makeStore();
      await store.create(experiment("x"));
      const results = await Promise.all([
        store.transition("x", "draft", running),
        store.transition("x", "draft", running),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get("x")).toMatchObject({ status: "running", startedAt: running.startedAt });
      const shipped = {
        status: "shipped",
        startedAt: running.startedAt,
        stoppedAt: "2026-12-06T12:00:00.000Z",
        shippedVariant: "on",
      } as const;
      expect(await store.transition("x", "draft", shipped)).toBe(false);
      expect(await store.transition("x", "running", shipped)).toBe(true);
      expect(await store.get("x")).toMatchObject(shipped);
    });

    it("keeps each user's first exposure: repeats and other variants never move them", async () => {
      const store = await makeStore();
      await store.create(experiment("x"));
      const first = await store.recordExposures([
        { experiment: "x", user: "u1", variant: "on", at: 1000 },
        { experiment: "x", user: "u2", variant: "off", at: 1000 },
        { experiment: "x", user: "u1", variant: "on", at: 1001 },
      ]);
      expect(first).toEqual({ recorded: 2, repeated: 1, conflicting: 0 });
      // The allocation changed and u1 now evaluates to "off": the first assignment stays.
      const second = await store.recordExposures([{ experiment: "x", user: "u1", variant: "off", at: 2000 }]);
      expect(second).toEqual({ recorded: 0, repeated: 1, conflicting: 1 });
      const totals = await store.totals("x", experiment("x").metrics[0]!);
      expect(totals.map((t) => [t.variant, t.exposures])).toEqual([
        ["off", 1],
        ["on", 1],
      ]);
      // Sticky answers only for running experiments, by flag key.
      expect(await store.assignments("u1")).toEqual(new Map());
      await store.transition("x", "draft", running);
      expect(await store.assignments("u1")).toEqual(new Map([["checkout", "on"]]));
      expect(await store.assignments("stranger")).toEqual(new Map());
    });

    it("attributes events only to users exposed at or before them, summing values per user", async () => {
      const store = await makeStore();
      await store.create(experiment("x"));
      await store.recordExposures([
        { experiment: "x", user: "u1", variant: "on", at: 1000 },
        { experiment: "x", user: "u2", variant: "on", at: 1000 },
        { experiment: "x", user: "u3", variant: "off", at: 1000 },
        { experiment: "x", user: "late", variant: "off", at: 5000 },
      ]);
      const counted = await store.recordEvents([
        { experiment: "x", event: "purchase", user: "u1", value: 1, at: 1500 },
        { experiment: "x", event: "purchase", user: "u1", value: 1, at: 1600 }, // converted once
        { experiment: "x", event: "revenue", user: "u1", value: 10, at: 1500 },
        { experiment: "x", event: "revenue", user: "u1", value: 5.5, at: 1600 },
        { experiment: "x", event: "revenue", user: "u3", value: 2, at: 1500 },
        { experiment: "x", event: "purchase", user: "late", value: 1, at: 1500 }, // before exposure
        { experiment: "x", event: "purchase", user: "never", value: 1, at: 1500 }, // not exposed
      ]);
      expect(counted).toBe(5);
      const conversions = await store.totals("x", {
        event: "purchase",
        kind: "conversion",
        direction: "increase",
      });
      expect(conversions).toEqual([
        { variant: "off", exposures: 2, converted: 0, sum: 0, sumOfSquares: 0 },
        { variant: "on", exposures: 2, converted: 1, sum: 2, sumOfSquares: 4 },
      ]);
      const revenue = await store.totals("x", { event: "revenue", kind: "value", direction: "increase" });
      expect(revenue).toEqual([
        { variant: "off", exposures: 2, converted: 1, sum: 2, sumOfSquares: 4 },
        { variant: "on", exposures: 2, converted: 1, sum: 15.5, sumOfSquares: 15.5 ** 2 },
      ]);
    });

    it("buckets new exposures per variant over time", async () => {
      const store = await makeStore();
      await store.create(experiment("x"));
      await store.recordExposures([
        { experiment: "x", user: "a", variant: "on", at: 60_000 },
        { experiment: "x", user: "b", variant: "on", at: 119_999 },
        { experiment: "x", user: "c", variant: "off", at: 120_000 },
        { experiment: "x", user: "a", variant: "on", at: 180_000 }, // a repeat: not new
      ]);
      expect(await store.exposureSeries("x", 60_000)).toEqual([
        { at: 60_000, variant: "on", exposures: 2 },
        { at: 120_000, variant: "off", exposures: 1 },
      ]);
      expect(await store.exposureSeries("other", 60_000)).toEqual([]);
    });
  });
}
