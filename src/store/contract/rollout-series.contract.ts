import { describe, expect, it } from "vitest";
import type { SeriesPoint } from "../../core/rollout/series.js";
import type { RolloutSeriesStore } from "../ports/rollout-series-store.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

const point = (at: number, weight: number): SeriesPoint => ({
  at,
  weights: { candidate: weight, stable: 100 - weight },
  candidate: { rps: 12.5, errorRate: 0.02, p95Ms: 25 },
  stable: weight === 0 ? null : { rps: 50, errorRate: null, p95Ms: null },
});

/** One behaviour for every RolloutSeriesStore adapter: points per rollout, oldest first, newest kept. */
export function rolloutSeriesStoreContract(
  adapter: string,
  makeStore: () => { rolloutSeries: RolloutSeriesStore } | Promise<{ rolloutSeries: RolloutSeriesStore }>,
): void {
  describe(`RolloutSeriesStore contract: ${adapter}`, () => {
    it("answers a rollout's own points, oldest first, exactly as appended", async () => {
      const { rolloutSeries: store } = await makeStore();
      // Appended out of order, and a second rollout beside it.
      await store.append("r-1", point(T0 + 2000, 20));
      await store.append("r-1", point(T0, 0));
      await store.append("r-2", point(T0 + 1000, 50));
      await store.append("r-1", point(T0 + 4000, 100));
      expect(await store.series("r-1")).toEqual([point(T0, 0), point(T0 + 2000, 20), point(T0 + 4000, 100)]);
      expect(await store.series("r-2")).toEqual([point(T0 + 1000, 50)]);
      expect(await store.series("r-404")).toEqual([]);
    });

    it("ignores a second point at the same time, and a limit keeps the newest", async () => {
      const { rolloutSeries: store } = await makeStore();
      await store.append("r-1", point(T0, 20));
      await store.append("r-1", point(T0, 80));
      await store.append("r-1", point(T0 + 1, 30));
      await store.append("r-1", point(T0 + 2, 40));
      expect(await store.series("r-1")).toEqual([point(T0, 20), point(T0 + 1, 30), point(T0 + 2, 40)]);
      expect((await store.series("r-1", 2)).map((p) => p.weights.candidate)).toEqual([30, 40]);
    });

    it("prunes to the series of the rollouts recorded most recently, whole", async () => {
      const { rolloutSeries: store } = await makeStore();
      // r-old started first but was recorded last: its newest point is what counts.
      await store.append("r-old", point(T0, 0));
      await store.append("r-a", point(T0 + 1000, 0));
      await store.append("r-a", point(T0 + 2000, 50));
      await store.append("r-b", point(T0 + 3000, 0));
      await store.append("r-old", point(T0 + 9000, 100));
      expect(await store.prune(2)).toBe(2);
      expect(await store.series("r-a")).toEqual([]);
      expect(await store.series("r-b")).toEqual([point(T0 + 3000, 0)]);
      expect(await store.series("r-old")).toEqual([point(T0, 0), point(T0 + 9000, 100)]);
      expect(await store.prune(2)).toBe(0);
      expect(await store.prune(0)).toBe(3);
    });
  });
}
