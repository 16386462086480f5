import { describe, expect, it } from "vitest";
import {
  reconcile,
  type DataPlaneObservation,
  type DesiredServing,
  type InstanceCounts,
  type ObservedServing,
} from "./reconcile.js";

const V1 = "web/production@v1";
const V2 = "web/production@v2";
const up = (generation = 7): DataPlaneObservation => ({ state: "up", generation });

function plan(
  desired: Partial<DesiredServing>,
  observed: Partial<Omit<ObservedServing, "instances">> & { instances?: Record<string, InstanceCounts> },
) {
  return reconcile(
    { revisions: [{ id: V1, weight: 100, replicas: 2 }], acknowledgedGeneration: 7, ...desired },
    {
      dataPlane: up(),
      tableInSync: true,
      ...observed,
      instances: new Map(Object.entries(observed.instances ?? { [V1]: { total: 2, ready: 2, gaveUp: 0 } })),
    },
  );
}

describe("reconcile", () => {
  const cases: Array<{
    name: string;
    desired?: Partial<DesiredServing>;
    observed: Parameters<typeof plan>[1];
    repairs: string[];
    status: "ok" | "degraded" | "down";
  }> = [
    { name: "all as desired", observed: {}, repairs: [], status: "ok" },
    {
      name: "proxy process gone: restart it",
      observed: { dataPlane: { state: "down", reason: "ECONNREFUSED", processAlive: false } },
      repairs: ["restart-data-plane"],
      status: "down",
    },
    {
      name: "proxy process alive but its admin API silent: report, never start a second",
      observed: { dataPlane: { state: "down", reason: "timeout", processAlive: true } },
      repairs: [],
      status: "down",
    },
    {
      name: "proxy restarted with an older persisted table: resend the desired one",
      observed: { dataPlane: up(5) },
      repairs: ["resend-table"],
      status: "degraded",
    },
    {
      name: "nothing acknowledged yet (first sync): any generation is fine",
      desired: { acknowledgedGeneration: undefined },
      observed: { dataPlane: up(3) },
      repairs: [],
      status: "ok",
    },
    {
      name: "desired table not acknowledged: degraded, the loop retries the sync",
      observed: { tableInSync: false },
      repairs: [],
      status: "degraded",
    },
    {
      name: "live revision with no instance at all (reboot): start them; down until ready",
      observed: { instances: {} },
      repairs: ["start-instances:web/production@v1:2"],
      status: "down",
    },
    {
      name: "one instance vanished: start the missing one; degraded",
      observed: { instances: { [V1]: { total: 1, ready: 1, gaveUp: 0 } } },
      repairs: ["start-instances:web/production@v1:1"],
      status: "degraded",
    },
    {
      name: "crash-looping instances the runtime gave up on are left alone, and reported",
      observed: { instances: { [V1]: { total: 2, ready: 0, gaveUp: 2 } } },
      repairs: [],
      status: "down",
    },
    {
      name: "instances starting after a restart: nothing to repair, degraded until ready",
      observed: { instances: { [V1]: { total: 2, ready: 1, gaveUp: 0 } } },
      repairs: [],
      status: "degraded",
    },
    {
      name: "a revision without traffic (warm, preview) is neither started nor judged",
      desired: {
        revisions: [
          { id: V1, weight: 100, replicas: 2 },
          { id: V2, weight: 0, replicas: 2 },
        ],
      },
      observed: {},
      repairs: [],
      status: "ok",
    },
    {
      name: "proxy down and instances gone: both repaired in one pass",
      observed: { dataPlane: { state: "down", reason: "gone", processAlive: false }, instances: {} },
      repairs: ["restart-data-plane", "start-instances:web/production@v1:2"],
      status: "down",
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const result = plan(c.desired ?? {}, c.observed);
      expect(
        result.repairs.map((r) =>
          r.kind === "start-instances" ? `${r.kind}:${r.revision}:${r.missing}` : r.kind,
        ),
      ).toEqual(c.repairs);
      expect(result.health.status).toBe(c.status);
      if (c.status !== "ok") expect(result.health.problems.length).toBeGreaterThan(0);
    });
  }

  it("names the reason of a down data plane in its problem", () => {
    const result = plan(
      {},
      { dataPlane: { state: "down", reason: "connect ECONNREFUSED", processAlive: false } },
    );
    expect(result.health.problems).toEqual([
      { level: "down", subject: "data-plane", message: "proxy is down: connect ECONNREFUSED" },
    ]);
  });
});
