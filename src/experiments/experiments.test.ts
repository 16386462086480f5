import { describe, expect, it } from "vitest";
import type { StoredExperiment } from "../store/ports/experiment-store.js";
import { allocationOfTargeting } from "./allocation.js";
import { planTransition } from "./lifecycle.js";
import { bucketFor, resultsOf } from "./service.js";

const experiment = (status: StoredExperiment["status"]): StoredExperiment => ({
  key: "x",
  flagKey: "f",
  description: "",
  control: "off",
  allocation: { on: 1, off: 1 },
  metrics: [{ event: "purchase", kind: "conversion", direction: "increase" }],
  status,
  createdAt: "2026-12-06T10:00:00.000Z",
  createdBy: "a",
  startedAt: status === "draft" ? null : "2026-12-06T10:01:00.000Z",
  stoppedAt: null,
  shippedVariant: null,
});

describe("allocationOfTargeting", () => {
  it("reads a top-level fractional split, with or without a bucketing expression", () => {
    expect(
      allocationOfTargeting({
        fractional: [
          ["on", 10],
          ["off", 90],
        ],
      }),
    ).toEqual({ on: 10, off: 90 });
    expect(allocationOfTargeting({ fractional: [{ var: "email" }, ["a"], ["b"]] })).toEqual({ a: 1, b: 1 });
  });
  it("answers undefined for anything else (the caller must then say)", () => {
    expect(allocationOfTargeting(undefined)).toBeUndefined();
    expect(allocationOfTargeting({ if: [true, "on", "off"] })).toBeUndefined();
    expect(allocationOfTargeting({ fractional: [["on", 100]] })).toBeUndefined();
  });
});

describe("planTransition", () => {
  const at = "2026-12-06T11:00:00.000Z";
  it.each([
    ["draft", "start", "running"],
    ["running", "stop", "stopped"],
    ["running", "ship", "shipped"],
    ["stopped", "ship", "shipped"],
  ] as const)("%s → %s → %s", (from, action, to) => {
    const plan = planTransition(experiment(from), action, at, "on");
    expect(plan).toMatchObject({ ok: true, from, to: { status: to } });
  });
  it.each([
    ["running", "start"],
    ["stopped", "start"],
    ["draft", "stop"],
    ["draft", "ship"],
    ["shipped", "ship"],
  ] as const)("refuses %s → %s with the reason", (from, action) => {
    const plan = planTransition(experiment(from), action, at);
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.reason).toContain(`is ${from}`);
  });
  it("keeps the start time and records the stop time", () => {
    const plan = planTransition(experiment("running"), "stop", at);
    expect(plan.ok && plan.to).toEqual({
      status: "stopped",
      startedAt: "2026-12-06T10:01:00.000Z",
      stoppedAt: at,
      shippedVariant: null,
    });
  });
});

describe("resultsOf", () => {
  it("treats a conversion as 0/1 per user and fills variants nobody saw yet with zeros", () => {
    const r = resultsOf(experiment("running"), experiment("running").metrics[0]!, [
      { variant: "off", exposures: 1000, converted: 100, sum: 250, sumOfSquares: 900 },
    ]);
    expect(r.variants.map((v) => [v.variant, v.exposures, v.verdict])).toEqual([
      ["on", 0, "too few users"],
      ["off", 1000, "control"],
    ]);
    // The rate is converted users / exposures, not the sum of event values.
    expect(r.variants[1]!.value).toBe(0.1);
    expect(r.converted).toEqual([0, 100]);
  });
});

describe("bucketFor", () => {
  it("gives about 40 buckets over the run, in readable steps", () => {
    expect(bucketFor(30_000)).toBe(1_000);
    expect(bucketFor(3_600_000)).toBe(300_000);
    expect(bucketFor(30 * 86_400_000)).toBe(86_400_000);
  });
});
