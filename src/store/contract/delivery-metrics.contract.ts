import { describe, expect, it } from "vitest";
import { abandon, nextAction } from "../../core/rollout/next-action.js";
import type { Rollout, Transition } from "../../core/rollout/types.js";
import type { DeliveryMetricsStore } from "../ports/delivery-metrics-store.js";
import type { ReleaseStore } from "../ports/release-store.js";
import type { RolloutStore } from "../ports/rollout-store.js";
import { release } from "./release.contract.js";
import { newRollout } from "./rollout.contract.js";

/** The delivery metrics read what the rollout and release stores wrote: one store with all three. */
export type DeliveryMetricsFixture = {
  rollouts: RolloutStore;
  releases: ReleaseStore;
  deliveryMetrics: DeliveryMetricsStore;
};

const T0 = Date.parse("2026-01-01T00:00:00Z");
const ready = {
  candidate: { desired: 1, ready: 1, crashed: 0, restarts: 0, consecutiveHealthFailures: 0 },
  candidateSamples: [],
  stableSamples: [],
};

/** Steps a healthy blue-green rollout (analysis window 0) to its end, one ms per transition. */
async function promote(store: RolloutStore, r: Rollout): Promise<Rollout> {
  let at = r.createdAt;
  while (r.phase !== "promoted")
    r = await store.commitTransition(r.id, nextAction(r, ready, ++at) as Transition, "controller");
  return r;
}

/** One behaviour for every DeliveryMetricsStore adapter: rollouts as facts, over a window. */
export function deliveryMetricsStoreContract(
  adapter: string,
  makeStore: () => DeliveryMetricsFixture | Promise<DeliveryMetricsFixture>,
): void {
  describe(`DeliveryMetricsStore contract: ${adapter}`, () => {
    it("answers each rollout changed in the window, or still deciding, with its milestones and commit time", async () => {
      const store = await makeStore();
      await store.releases.saveRelease(
        release("web", "v1", "2025-12-31T00:00:00.000Z", {
          status: "built",
          committedAt: "2025-12-31T12:00:00Z",
        }),
      );
      const v1 = await promote(store.rollouts, await store.rollouts.createRollout(newRollout("v1")));
      // v2 replaces v1 and is rolled back after the switch; v3 is still deciding.
      let v2 = await store.rollouts.createRollout(newRollout("v2", "v1"));
      v2 = await store.rollouts.commitTransition(
        v2.id,
        nextAction(v2, ready, T0 + 10) as Transition,
        "controller",
      );
      v2 = await store.rollouts.commitTransition(
        v2.id,
        nextAction(v2, ready, T0 + 11) as Transition,
        "controller",
      );
      await store.rollouts.commitTransition(v2.id, abandon(v2, "rolled-back", "bad", T0 + 12), "bob");
      await store.rollouts.createRollout(newRollout("v1", undefined, "api"));

      const facts = await store.deliveryMetrics.rolloutFacts({ since: T0 - 1000 });
      expect(facts.map((f) => f.id)).toEqual([v1.id, v2.id, "r-3"]);
      expect(facts[0]).toEqual({
        id: v1.id,
        service: "web",
        environment: "production",
        kind: "deploy",
        version: "v1",
        hadStable: false,
        startedAt: T0,
        liveAt: T0 + 2,
        promotedAt: T0 + 3,
        outcome: "promoted",
        committedAt: Date.parse("2025-12-31T12:00:00Z"),
      });
      expect(facts[1]).toMatchObject({
        version: "v2",
        hadStable: true,
        liveAt: T0 + 11,
        abandonedAt: T0 + 12,
      });
      expect(facts[1]?.committedAt).toBeUndefined();
      expect(facts[2]).toMatchObject({ service: "api", version: "v1" });
      expect(facts[2]?.outcome).toBeUndefined();

      // After every change: only the unfinished ones (v2 still draining, the api rollout deciding).
      expect((await store.deliveryMetrics.rolloutFacts({ since: T0 + 1000 })).map((f) => f.id)).toEqual([
        v2.id,
        "r-3",
      ]);
      expect(
        (await store.deliveryMetrics.rolloutFacts({ since: T0 + 1000, environment: "production" })).map(
          (f) => f.service,
        ),
      ).toEqual(["web", "api"]);
      expect(await store.deliveryMetrics.rolloutFacts({ since: T0 - 1000, environment: "staging" })).toEqual(
        [],
      );
    });

    it("answers nothing without rollouts", async () => {
      const store = await makeStore();
      expect(await store.deliveryMetrics.rolloutFacts({ since: 0 })).toEqual([]);
    });
  });
}
