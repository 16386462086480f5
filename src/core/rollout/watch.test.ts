import { describe, expect, it } from "vitest";
import { resolveSettings } from "./defaults.js";
import type { CandidateHealth, Rollout, StatsSample } from "./types.js";
import { watchVerdict, type LiveObservations, type WatchedRelease, type WatchVerdict } from "./watch.js";

const PROMOTED = 1_000_000;
const V1 = { id: "web/production@v1", version: "v1" };
const V2 = { id: "web/production@v2", version: "v2" };

function rollout(over: Partial<Rollout> = {}): Rollout {
  return {
    id: "r-2",
    service: "web",
    environment: "production",
    kind: "deploy",
    strategy: "blue-green",
    candidate: V2,
    stable: V1,
    phase: "promoted",
    outcome: "promoted",
    phaseSince: PROMOTED,
    createdAt: PROMOTED - 10_000,
    actor: "alice",
    restartsAtSwitch: 1,
    settings: resolveSettings({
      triggers: { errorRate: { threshold: 0.05, windowMs: 2_000, minRequests: 20 } },
      watch: { windowMs: 60_000, rollback: true, downAfterMs: 5_000 },
    }),
    ...over,
  };
}

const healthy: CandidateHealth = {
  desired: 2,
  ready: 2,
  crashed: 0,
  restarts: 1,
  consecutiveHealthFailures: 0,
};

function release(over: Partial<WatchedRelease> = {}): WatchedRelease {
  return { live: V2, newest: rollout(), promotedAt: PROMOTED, busy: false, downReported: false, ...over };
}

function obs(over: Partial<LiveObservations> = {}): LiveObservations {
  return { health: healthy, samples: [], ...over };
}

const sample = (at: number, total: number, errors5xx: number): StatsSample => ({
  at,
  total,
  errors5xx,
  latency: { bucketsMs: [100], counts: [total], count: total },
});

const crashed = { ...healthy, ready: 1, restarts: 2, lastError: "exited with code 1" };
const allDown = { ...healthy, ready: 0, restarts: 7, lastError: "exited with code 1" };
const gaveUp = { ...allDown, crashed: 2 };
const rollbackRollout = rollout({
  id: "r-3",
  kind: "rollback",
  actor: "controller",
  candidate: V1,
  stable: V2,
});

type Row = [
  name: string,
  release: WatchedRelease,
  obs: LiveObservations,
  now: number,
  kind: WatchVerdict["kind"],
  says?: RegExp,
];

const rows: Row[] = [
  [
    "a healthy promoted release inside its window is watched",
    release(),
    obs(),
    PROMOTED + 1_000,
    "quiet",
    /watched/,
  ],
  [
    "a restart after promotion rolls back to the previous release",
    release(),
    obs({ health: crashed }),
    PROMOTED + 9_000,
    "rollback",
    /failed 9\.0s after its promotion: candidate instance crashed.*exited with code 1/,
  ],
  [
    "an instance the supervisor gave up on rolls back",
    release(),
    obs({ health: gaveUp }),
    PROMOTED + 30_000,
    "rollback",
    /crashed/,
  ],
  [
    "restarts counted when a restarted control plane re-adopted dead instances are not the release crashing",
    release(),
    obs({ health: { ...healthy, restarts: 3 }, restartsBaseline: 3 }),
    PROMOTED + 9_000,
    "quiet",
  ],
  [
    "a restart after that baseline is",
    release(),
    obs({ health: { ...healthy, restarts: 4 }, restartsBaseline: 3 }),
    PROMOTED + 9_000,
    "rollback",
    /crashed/,
  ],
  [
    "failing health checks roll back",
    release(),
    obs({ health: { ...healthy, ready: 1, consecutiveHealthFailures: 3 } }),
    PROMOTED + 2_000,
    "rollback",
    /3 consecutive failed health checks/,
  ],
  [
    "an error rate above the threshold rolls back",
    release(),
    obs({ samples: [sample(PROMOTED + 1_000, 0, 0), sample(PROMOTED + 2_000, 40, 20)] }),
    PROMOTED + 2_000,
    "rollback",
    /error rate 50\.0%/,
  ],
  [
    "errors before the promotion do not count",
    release(),
    obs({
      samples: [
        sample(PROMOTED - 2_000, 0, 0),
        sample(PROMOTED - 1_000, 40, 20),
        sample(PROMOTED + 500, 40, 20),
      ],
    }),
    PROMOTED + 500,
    "quiet",
  ],
  [
    "instances that stay unready (no crash, no failed probe) past downAfter roll back",
    release(),
    obs({ health: { ...healthy, ready: 0 }, unreadySince: PROMOTED + 1_000 }),
    PROMOTED + 6_000,
    "rollback",
    /no ready instance for 5\.0s/,
  ],
  [
    "a release started again after a crash of everything fails its probes and errors while it starts: not rolled back",
    release(),
    obs({
      health: { ...healthy, ready: 0, consecutiveHealthFailures: 3 },
      samples: [sample(PROMOTED + 1_000, 0, 0), sample(PROMOTED + 2_000, 40, 40)],
      unreadySince: PROMOTED + 1_000,
      starting: true,
    }),
    PROMOTED + 2_000,
    "quiet",
  ],
  [
    "once it serves again, the errors it answered while it started are not counted",
    release(),
    obs({
      samples: [
        sample(PROMOTED + 1_000, 0, 0),
        sample(PROMOTED + 2_000, 40, 40),
        sample(PROMOTED + 3_000, 45, 40),
      ],
      servingSince: PROMOTED + 2_000,
    }),
    PROMOTED + 3_000,
    "quiet",
  ],
  [
    "errors after it serves again are",
    release(),
    obs({
      samples: [
        sample(PROMOTED + 1_000, 0, 0),
        sample(PROMOTED + 2_000, 40, 40),
        sample(PROMOTED + 3_000, 80, 70),
      ],
      servingSince: PROMOTED + 2_000,
    }),
    PROMOTED + 3_000,
    "rollback",
    /error rate 75\.0%/,
  ],
  [
    "a release that does not get ready again within downAfter after such a restart is rolled back",
    release(),
    obs({ health: { ...healthy, ready: 0 }, unreadySince: PROMOTED + 1_000, starting: true }),
    PROMOTED + 6_000,
    "rollback",
    /no ready instance for 5\.0s/,
  ],
  [
    "instances unready for less than downAfter are given time",
    release(),
    obs({ health: { ...healthy, ready: 0 }, unreadySince: PROMOTED + 1_000 }),
    PROMOTED + 5_999,
    "quiet",
  ],
  [
    "a crash after the window is not rolled back, but down is reported",
    release(),
    obs({ health: gaveUp }),
    PROMOTED + 60_000,
    "down",
    /gave up on 2\/2 instances.*outside the watch window.*slipway rollback web --env production --reason TEXT` returns to v1/,
  ],
  [
    "a crash after the window with a ready instance left is quiet",
    release(),
    obs({ health: crashed }),
    PROMOTED + 61_000,
    "quiet",
  ],
  [
    "with automatic rollback off a crash loop is reported down",
    release({
      newest: rollout({
        settings: resolveSettings({ watch: { windowMs: 60_000, rollback: false, downAfterMs: 5_000 } }),
      }),
    }),
    obs({ health: allDown, unreadySince: PROMOTED + 1_000 }),
    PROMOTED + 6_000,
    "down",
    /no ready instance of web\/production@v2 for 5\.0s.*automatic rollback is off/,
  ],
  [
    "with automatic rollback off, down waits for downAfter",
    release({
      newest: rollout({
        settings: resolveSettings({ watch: { windowMs: 60_000, rollback: false, downAfterMs: 5_000 } }),
      }),
    }),
    obs({ health: allDown, unreadySince: PROMOTED + 1_000 }),
    PROMOTED + 5_999,
    "quiet",
  ],
  [
    "down is reported once",
    release({ downReported: true }),
    obs({ health: gaveUp }),
    PROMOTED + 90_000,
    "quiet",
    /reported/,
  ],
  [
    "a ready instance after down is a recovery",
    release({ downReported: true }),
    obs(),
    PROMOTED + 90_000,
    "recovered",
    /serves again \(2\/2/,
  ],
  [
    "a rollback that fails too is never rolled back again",
    release({ live: V1, newest: rollbackRollout }),
    obs({ health: gaveUp }),
    PROMOTED + 5_000,
    "down",
    /it is the rollback to v1 \(controller\): not rolling back again/,
  ],
  [
    "a rollback redeploy that failed to start leaves the broken release down, no loop",
    release({
      newest: {
        ...rollbackRollout,
        outcome: "rolled-back",
        phase: "rolled-back",
        reason: "candidate crashed on start",
      },
    }),
    obs({ health: gaveUp }),
    PROMOTED + 5_000,
    "down",
    /the rollback to v1 failed \(candidate crashed on start\)/,
  ],
  [
    "an older promotion is not the watch's business once a newer rollout exists",
    release({
      newest: rollout({
        outcome: "rolled-back",
        phase: "rolled-back",
        candidate: { id: "web/production@v3", version: "v3" },
      }),
    }),
    obs({ health: crashed }),
    PROMOTED + 1_000,
    "quiet",
  ],
  [
    "a rollout in progress decides: no watch rollback",
    release({ busy: true }),
    obs({ health: crashed }),
    PROMOTED + 1_000,
    "quiet",
  ],
  [
    "a first release has nothing to go back to: down when it stays down",
    release({ newest: rollout({ stable: undefined }) }),
    obs({ health: gaveUp }),
    PROMOTED + 1_000,
    "down",
    /no previous release/,
  ],
  [
    "a rollout recorded before the watch existed is only watched for down",
    release({ newest: rollout({ settings: { ...rollout().settings, watch: undefined } }) }),
    obs({ health: crashed }),
    PROMOTED + 1_000,
    "quiet",
  ],
  [
    "a promotion time unknown to the Store never rolls back",
    release({ promotedAt: undefined }),
    obs({ health: crashed }),
    PROMOTED + 1_000,
    "quiet",
  ],
];

describe("watchVerdict", () => {
  it.each(rows)("%s", (_name, rel, o, now, kind, says) => {
    const verdict = watchVerdict(rel, o, now);
    expect(verdict.kind).toBe(kind);
    if (says) expect(verdict.reason).toMatch(says);
  });

  it("rolls back to the rollout's previous release, named by the verdict", () => {
    const verdict = watchVerdict(release(), obs({ health: gaveUp }), PROMOTED + 1_000);
    expect(verdict).toMatchObject({ kind: "rollback", trigger: "crash", to: V1 });
  });
});
