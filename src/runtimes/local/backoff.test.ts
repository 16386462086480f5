import { describe, expect, it } from "vitest";
import { decideRestart, type RestartPolicy } from "./backoff.js";

const policy: RestartPolicy = { initialDelayMs: 100, maxDelayMs: 1_000, maxRestarts: 5, windowMs: 60_000 };

describe("decideRestart", () => {
  it.each([
    [[], 100],
    [[1_000], 200],
    [[1_000, 2_000], 400],
    [[1_000, 2_000, 3_000], 800],
    [[1_000, 2_000, 3_000, 4_000], 1_000],
  ])("after earlier crashes %j restarts in %i ms (doubling, capped)", (earlier, delay) => {
    expect(decideRestart(earlier, 10_000, policy)).toEqual({
      action: "restart",
      delayMs: delay,
      recentCrashes: [...earlier, 10_000],
    });
  });

  it("gives up on the crash after maxRestarts within the window", () => {
    const decision = decideRestart([1, 2, 3, 4, 5], 10_000, policy);
    expect(decision.action).toBe("give-up");
    expect(decision.recentCrashes).toHaveLength(6);
  });

  it("forgets crashes older than the window, starting again from the initial delay", () => {
    expect(decideRestart([1, 2, 3, 4, 5], 70_000, policy)).toEqual({
      action: "restart",
      delayMs: 100,
      recentCrashes: [70_000],
    });
  });

  it("with maxRestarts 0 gives up at the first crash", () => {
    expect(decideRestart([], 5, { ...policy, maxRestarts: 0 }).action).toBe("give-up");
  });
});
