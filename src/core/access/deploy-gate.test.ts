import { describe, expect, it } from "vitest";
import { gateDeploy } from "./deploy-gate.js";
import { ANONYMOUS, type Principal } from "./roles.js";

const HOUR = 3_600_000;
const windows = [{ name: "maintenance", cron: "0 2 * * 0#1", durationMs: 2 * HOUR }];
const inFreeze = Date.parse("2026-11-01T03:00:00Z");
const outside = Date.parse("2026-11-02T03:00:00Z");
const deployer: Principal = { kind: "token", id: "ci", name: "ci", role: "deployer" };
const admin: Principal = { kind: "user", id: "root", name: "root", role: "admin" };
const viewer: Principal = { kind: "user", id: "v", name: "v", role: "viewer" };

describe("gateDeploy", () => {
  it.each([
    {
      name: "deployer, open staging",
      principal: deployer,
      now: outside,
      approval: false,
      want: { outcome: "start" },
    },
    {
      name: "deployer, production with approval",
      principal: deployer,
      now: outside,
      approval: true,
      want: { outcome: "hold" },
    },
    {
      name: "viewer",
      principal: viewer,
      now: outside,
      approval: false,
      want: { outcome: "refuse", status: 403 },
    },
    {
      name: "anonymous",
      principal: ANONYMOUS,
      now: outside,
      approval: false,
      want: { outcome: "refuse", status: 401 },
    },
    {
      name: "deployer in a freeze",
      principal: deployer,
      now: inFreeze,
      approval: false,
      want: { outcome: "refuse", status: 409 },
    },
    {
      name: "viewer in a freeze is told about the role first",
      principal: viewer,
      now: inFreeze,
      approval: false,
      want: { status: 403 },
    },
  ])("$name → $want.outcome", ({ principal, now, approval, want }) => {
    expect(
      gateDeploy({ principal, environment: "production", rule: { approval }, freezeWindows: windows, now }),
    ).toMatchObject(want);
  });

  it("lets an admin through a freeze with a reason, recorded for the audit, still subject to approval", () => {
    const gate = gateDeploy({
      principal: admin,
      environment: "production",
      rule: { approval: true },
      freezeWindows: windows,
      now: inFreeze,
      override: { reason: "security fix" },
    });
    expect(gate).toEqual({
      outcome: "hold",
      reason: "production requires an approval",
      audit: {
        actor: "root",
        freezeOverride: {
          by: "root",
          reason: "security fix",
          windowEndsAt: Date.parse("2026-11-01T04:00:00Z"),
        },
      },
    });
  });

  it("refuses a deployer's override attempt with 403", () => {
    expect(
      gateDeploy({
        principal: deployer,
        environment: "production",
        freezeWindows: windows,
        now: inFreeze,
        override: { reason: "x" },
      }),
    ).toMatchObject({
      outcome: "refuse",
      status: 403,
      message: expect.stringMatching(/only an admin/) as unknown,
    });
  });
});
