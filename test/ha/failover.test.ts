import { afterAll, describe, expect, it } from "vitest";
import { failoverRun, startCluster, withRetry, type Cluster } from "./cluster.js";

/** Kills in the suite; bench/ha-failover.mjs runs 20. */
const ROLLOUTS = 3;
const LEASE_MS = 2_000;

let cluster: Cluster | undefined;
afterAll(async () => {
  await cluster?.close();
}, 30_000);

describe("highly available control plane: two replicas on one PostgreSQL", () => {
  it("takes over from a SIGKILLed leader at random points of rollouts under load: every rollout ends, no request fails, no notification twice", async () => {
    cluster = await startCluster({ leaseMs: LEASE_MS });
    await cluster.start("a");
    await cluster.start("b");
    const report = await failoverRun(cluster, ROLLOUTS);
    expect(report.takeoversMs).toHaveLength(ROLLOUTS);
    expect(report.rollouts.map((r) => r.phase)).toEqual(Array(ROLLOUTS).fill("promoted"));
    expect(report.requests.errors).toEqual([]);
    expect(report.requests.ok).toBeGreaterThan(100);
    expect(report.duplicates).toEqual([]);
    // Each rollout was announced (started, promoted) at least once in all, across the leaders.
    expect(cluster.notifications.filter((n) => n.startsWith("rollout.promoted")).length).toBeGreaterThan(0);
  }, 150_000);

  it("fences a paused leader: another takes over, changes go through the new leader, and the old one exits on waking", async () => {
    if (!cluster) throw new Error("needs the first test's cluster");
    const old = await cluster.leader();
    old.child.kill("SIGSTOP");
    old.paused = true;
    // The paused one is named until its lease expires; then the other takes over.
    const next = await cluster.leader(30_000);
    expect(next).not.toBe(old);
    // A change through the new leader, while the old one sleeps.
    await withRetry(cluster, (api) =>
      api.post("/api/deployments", { service: "web", environment: "production", version: "after-pause" }),
    );
    old.paused = false;
    old.child.kill("SIGCONT");
    expect(await old.exited).toBe(75);
    expect(old.output()).toMatch(/leadership lost|lease/);
  }, 90_000);
});
