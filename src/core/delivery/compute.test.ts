import { describe, expect, it } from "vitest";
import { DAY_MS, deliveryMetrics } from "./compute.js";
import type { RolloutFacts } from "./types.js";

const NOW = Date.UTC(2026, 10, 25);
const MIN = 60_000;
const HOUR = 60 * MIN;
const day = (n: number) => NOW - n * DAY_MS;

const deploy = (f: Partial<RolloutFacts> & Pick<RolloutFacts, "id" | "startedAt">): RolloutFacts => ({
  service: "web",
  environment: "production",
  kind: "deploy",
  version: f.id,
  hadStable: true,
  ...f,
});

/** Two services in production over a week (hand-computed expectations in the test below). */
const HISTORY: RolloutFacts[] = [
  // Before the window: ignored.
  deploy({
    id: "w1",
    startedAt: day(10),
    liveAt: day(10) + 10 * MIN,
    promotedAt: day(10) + HOUR,
    outcome: "promoted",
  }),
  // Good deploy, lead time 3 h.
  deploy({
    id: "w2",
    committedAt: day(6) - 2 * HOUR,
    startedAt: day(6),
    liveAt: day(6) + 10 * MIN,
    promotedAt: day(6) + HOUR,
    outcome: "promoted",
  }),
  // Rolled back by analysis 20 min after going live.
  deploy({
    id: "w3",
    startedAt: day(5),
    liveAt: day(5) + 10 * MIN,
    abandonedAt: day(5) + 30 * MIN,
    outcome: "rolled-back",
  }),
  // Promoted (lead time 2 h), then `slipway rollback` (w5) promoted 2 h 05 min after w4 went live.
  deploy({
    id: "w4",
    committedAt: day(4) - HOUR,
    startedAt: day(4),
    liveAt: day(4) + 5 * MIN,
    promotedAt: day(4) + HOUR,
    outcome: "promoted",
  }),
  deploy({
    id: "w5",
    kind: "rollback",
    startedAt: day(4) + 2 * HOUR,
    liveAt: day(4) + 2 * HOUR + 5 * MIN,
    promotedAt: day(4) + 2 * HOUR + 10 * MIN,
    outcome: "promoted",
  }),
  // Superseded before a decision: neither success nor failure.
  deploy({ id: "w6", startedAt: day(3), abandonedAt: day(3) + MIN, outcome: "superseded" }),
  // Good deploy, lead time 2 h 30 min.
  deploy({
    id: "w7",
    committedAt: day(3) - 30 * MIN,
    startedAt: day(3) + HOUR,
    liveAt: day(3) + HOUR + 10 * MIN,
    promotedAt: day(3) + 2 * HOUR,
    outcome: "promoted",
  }),
  // api: a first deploy that fails (nothing to go back to); restored when a2 is promoted (85 min).
  deploy({
    id: "a1",
    service: "api",
    hadStable: false,
    startedAt: day(2),
    liveAt: day(2) + 5 * MIN,
    abandonedAt: day(2) + 15 * MIN,
    outcome: "failed",
  }),
  // Working-tree release: promoted, no commit time.
  deploy({
    id: "a2",
    service: "api",
    startedAt: day(2) + HOUR,
    liveAt: day(2) + HOUR + 5 * MIN,
    promotedAt: day(2) + HOUR + 30 * MIN,
    outcome: "promoted",
  }),
  // Promoted (lead time 1 h 10 min), then rolled back while the previous revision was warm (15 min live).
  deploy({
    id: "a3",
    service: "api",
    committedAt: day(1) - HOUR,
    startedAt: day(1),
    liveAt: day(1) + 5 * MIN,
    promotedAt: day(1) + 10 * MIN,
    abandonedAt: day(1) + 20 * MIN,
    outcome: "rolled-back",
  }),
  // Still deciding: ignored.
  deploy({ id: "a4", service: "api", startedAt: NOW - HOUR, liveAt: NOW - 50 * MIN }),
  // Another environment.
  deploy({
    id: "s1",
    environment: "staging",
    startedAt: day(1),
    promotedAt: day(1) + HOUR,
    outcome: "promoted",
  }),
];

describe("deliveryMetrics", () => {
  it("computes frequency, lead time, change failure rate and time to restore for one environment", () => {
    const report = deliveryMetrics(HISTORY, { now: NOW, days: 7, environment: "production" });
    expect(report.window).toEqual({
      days: 7,
      from: "2026-11-18T00:00:00.000Z",
      to: "2026-11-25T00:00:00.000Z",
    });
    expect(report.environments).toHaveLength(1);
    const [prod] = report.environments;
    expect(prod?.services).toEqual(["api", "web"]);
    // w2, w4, w7, a2, a3 promoted in the window; w5 is a rollback, not a deploy.
    expect(prod?.deploymentFrequency).toEqual({ deploys: 5, perDay: 5 / 7, perWeek: 5 });
    // 70, 120, 150, 180 min: median (120 + 150) / 2; p90 150 + 0.7 × 30.
    expect(prod?.leadTime).toEqual({ samples: 4, medianMs: 135 * MIN, p90Ms: 171 * MIN, withoutCommit: 1 });
    // Decided deploys: w2 w3 w4 w7 a1 a2 a3; failed: w3 (rolled back), w4 (followed by w5), a1, a3.
    expect(prod?.changeFailureRate).toEqual({
      deploys: 7,
      failed: 4,
      rate: 4 / 7,
      rolledBack: 2,
      failedOutright: 1,
      followedByRollback: 1,
      superseded: 1,
    });
    // 15 (a3), 20 (w3), 85 (a1 → a2), 125 (w4 → w5) min: median 52.5; p90 85 + 0.7 × 40.
    expect(prod?.timeToRestore).toEqual({
      samples: 4,
      medianMs: 52.5 * MIN,
      p90Ms: 113 * MIN,
      failures: 4,
      unrestored: 0,
    });
  });

  it("reports every environment when none is asked for", () => {
    const report = deliveryMetrics(HISTORY, { now: NOW, days: 7 });
    expect(report.environments.map((e) => e.environment)).toEqual(["production", "staging"]);
    expect(report.environments[1]?.deploymentFrequency).toEqual({ deploys: 1, perDay: 1 / 7, perWeek: 1 });
    expect(report.environments[1]?.changeFailureRate.rate).toBe(0);
  });

  it("gives nulls, not zeros, where there is nothing to measure", () => {
    const report = deliveryMetrics(HISTORY, { now: NOW, days: 30, environment: "qa" });
    expect(report.environments).toEqual([
      {
        environment: "qa",
        services: [],
        deploymentFrequency: { deploys: 0, perDay: 0, perWeek: 0 },
        leadTime: { samples: 0, medianMs: null, p90Ms: null, withoutCommit: 0 },
        changeFailureRate: {
          deploys: 0,
          failed: 0,
          rate: null,
          rolledBack: 0,
          failedOutright: 0,
          followedByRollback: 0,
          superseded: 0,
        },
        timeToRestore: { samples: 0, medianMs: null, p90Ms: null, failures: 0, unrestored: 0 },
      },
    ]);
  });

  it("keeps a failure with no good state since out of the distribution, as unrestored", () => {
    const facts = [
      deploy({
        id: "b1",
        hadStable: false,
        startedAt: day(1),
        liveAt: day(1) + MIN,
        abandonedAt: day(1) + 2 * MIN,
        outcome: "failed",
      }),
      // Promoted later but then followed by a rollback: not a good state either.
      deploy({ id: "b2", startedAt: day(1) + HOUR, promotedAt: day(1) + 2 * HOUR, outcome: "promoted" }),
      deploy({
        id: "b3",
        kind: "rollback",
        startedAt: day(1) + 3 * HOUR,
        abandonedAt: day(1) + 4 * HOUR,
        outcome: "rolled-back",
      }),
    ];
    const [env] = deliveryMetrics(facts, { now: NOW, days: 30 }).environments;
    expect(env?.changeFailureRate).toMatchObject({
      deploys: 2,
      failed: 2,
      failedOutright: 1,
      followedByRollback: 1,
    });
    expect(env?.timeToRestore).toEqual({
      samples: 0,
      medianMs: null,
      p90Ms: null,
      failures: 2,
      unrestored: 2,
    });
  });

  it("counts a promotion at the window's end and leaves one at its start out: (now - days, now]", () => {
    const facts = [
      deploy({ id: "c1", startedAt: day(7) - HOUR, promotedAt: day(7), outcome: "promoted" }),
      deploy({ id: "c2", startedAt: NOW - HOUR, promotedAt: NOW, outcome: "promoted" }),
    ];
    const [env] = deliveryMetrics(facts, { now: NOW, days: 7 }).environments;
    expect(env?.deploymentFrequency.deploys).toBe(1);
    expect(env?.changeFailureRate.deploys).toBe(1);
  });

  it("never reports a negative lead time when a commit is dated after its promotion (clock skew)", () => {
    const facts = [
      deploy({
        id: "d1",
        committedAt: day(1) + HOUR,
        startedAt: day(1),
        promotedAt: day(1) + MIN,
        outcome: "promoted",
      }),
    ];
    expect(deliveryMetrics(facts, { now: NOW, days: 7 }).environments[0]?.leadTime.medianMs).toBe(0);
  });
});
