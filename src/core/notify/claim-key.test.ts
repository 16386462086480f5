import { describe, expect, it } from "vitest";
import { notificationKey } from "./claim-key.js";

const rollout = { rolloutId: "r7", service: "api", environment: "production", version: "1.2.0", at: "t" };

describe("notificationKey", () => {
  it("names one fact per rollout and type, whenever it is seen", () => {
    expect(notificationKey({ ...rollout, type: "rollout.promoted" })).toBe("rollout.promoted:r7");
    expect(notificationKey({ ...rollout, at: "later", type: "rollout.promoted" })).toBe("rollout.promoted:r7");
    expect(notificationKey({ ...rollout, type: "rollout.promoted" })).not.toBe(
      notificationKey({ ...rollout, rolloutId: "r8", type: "rollout.promoted" }),
    );
  });

  it("keys failed runs by run and health changes by environment and time", () => {
    const run = { type: "run.failed" as const, runId: "41", workflow: "ci", ref: "main", failedJobs: [], at: "t" };
    expect(notificationKey(run)).toBe("run.failed:41");
    const down = { type: "service.down" as const, service: "api", environment: "prod", version: "1", reason: "x" };
    expect(notificationKey({ ...down, at: "t1" })).not.toBe(notificationKey({ ...down, at: "t2" }));
  });
});
