import { describe, expect, it } from "vitest";
import { resolveSettings } from "./defaults.js";
import { admitDeploy, planRollback } from "./admission.js";
import type { Rollout } from "./types.js";

const v = (version: string) => ({ id: `web/production@${version}`, version });
const running = (over: Partial<Rollout> = {}): Rollout => ({
  id: "r-7",
  service: "web",
  environment: "production",
  kind: "deploy",
  strategy: "blue-green",
  candidate: v("v2"),
  stable: v("v1"),
  phase: "analysing",
  phaseSince: 0,
  createdAt: 0,
  actor: "alice",
  settings: resolveSettings(),
  ...over,
});

describe("admitDeploy", () => {
  it.each([
    [
      "live version is a no-op",
      { version: "v1", live: v("v1") },
      "noop",
      /v1 is already live in web\/production/,
    ],
    ["new version starts", { version: "v2", live: v("v1") }, "start", undefined],
    [
      "same version as the running rollout is refused",
      { version: "v2", holder: running() },
      "refuse",
      /rollout r-7 .* is already deploying v2/,
    ],
    [
      "anything during a rollback is refused",
      { version: "v3", holder: running({ kind: "rollback" }) },
      "refuse",
      /rollout r-7 \(web\/production rollback of v2, analysing\) is running/,
    ],
  ] as const)("%s", (_n, input, kind, reason) => {
    const d = admitDeploy(input);
    expect(d.kind).toBe(kind);
    if (reason) expect("reason" in d && d.reason).toMatch(reason);
  });
  it("a new version supersedes the running rollout", () => {
    expect(admitDeploy({ version: "v3", live: v("v1"), holder: running() })).toMatchObject({
      kind: "start",
      supersede: { id: "r-7" },
    });
  });
});

describe("planRollback", () => {
  it("aborts a running rollout", () => {
    expect(planRollback({ holder: running(), live: v("v1") })).toMatchObject({ kind: "abort" });
  });
  it("refuses a --to other than the stable while a rollout runs", () => {
    expect(planRollback({ holder: running(), to: "v0" })).toMatchObject({ kind: "refuse" });
  });
  it("switches back instantly while the previous revision is warm", () => {
    const warm = running({ phase: "warm", outcome: "promoted", retire: v("v1") });
    expect(planRollback({ warm, live: v("v2"), previous: "v1" })).toMatchObject({ kind: "instant" });
  });
  it("redeploys the previous release once it is gone", () => {
    const done = running({ phase: "promoted" });
    expect(planRollback({ warm: done, live: v("v2"), previous: "v1" })).toEqual({
      kind: "redeploy",
      version: "v1",
    });
    expect(planRollback({ live: v("v2"), previous: "v1", to: "v0" })).toEqual({
      kind: "redeploy",
      version: "v0",
    });
  });
  it("says so when there is nothing to roll back to", () => {
    expect(planRollback({ live: v("v1") })).toEqual({
      kind: "refuse",
      reason: "no previous release to roll back to",
    });
    expect(planRollback({ live: v("v1"), to: "v1" })).toMatchObject({ kind: "noop" });
  });
});
