import { describe, expect, it } from "vitest";
import { checkFreeze, isFrozen, validateFreezeWindows, type FreezeWindow } from "./freeze.js";
import type { Principal } from "./roles.js";

const HOUR = 3_600_000;
// Seed 001: "Monthly, first Sunday 2-4 AM UTC".
const maintenance: FreezeWindow = { name: "maintenance", cron: "0 2 * * 0#1", durationMs: 2 * HOUR };
const at = (iso: string) => Date.parse(iso);
const admin: Principal = { kind: "user", id: "root", name: "root", role: "admin" };
const deployer: Principal = { kind: "token", id: "ci", name: "ci", role: "deployer" };

describe("isFrozen", () => {
  it.each([
    { now: "2026-11-01T01:59:59.999Z", frozen: false }, // first Sunday of November 2026, just before
    { now: "2026-11-01T02:00:00.000Z", frozen: true }, // opening instant is inside
    { now: "2026-11-01T03:59:59.999Z", frozen: true },
    { now: "2026-11-01T04:00:00.000Z", frozen: false }, // closing instant is outside
    { now: "2026-11-08T03:00:00.000Z", frozen: false }, // second Sunday
    { now: "2026-12-06T02:30:00.000Z", frozen: true }, // first Sunday of December
    { now: "2026-12-07T02:30:00.000Z", frozen: false }, // a Monday
  ])("$now → frozen $frozen", ({ now, frozen }) => {
    expect(isFrozen([maintenance], at(now)).frozen).toBe(frozen);
  });

  it("reports when the window started and ends", () => {
    expect(isFrozen([maintenance], at("2026-11-01T03:00:00Z"))).toEqual({
      frozen: true,
      window: maintenance,
      startedAt: at("2026-11-01T02:00:00Z"),
      endsAt: at("2026-11-01T04:00:00Z"),
    });
  });

  it("evaluates the cron in the window's time zone", () => {
    // 02:00 in Berlin on 1 Nov 2026 (CET, UTC+1) is 01:00 UTC.
    const berlin = { ...maintenance, timezone: "Europe/Berlin" };
    expect(isFrozen([berlin], at("2026-11-01T01:30:00Z")).frozen).toBe(true);
    expect(isFrozen([berlin], at("2026-11-01T03:30:00Z")).frozen).toBe(false);
  });

  it("only applies a window to its environments and reports the one ending last", () => {
    const prodOnly = { ...maintenance, environments: ["production"] };
    const now = at("2026-11-01T02:30:00Z");
    expect(isFrozen([prodOnly], now, "staging").frozen).toBe(false);
    expect(isFrozen([prodOnly], now, "production").frozen).toBe(true);
    const nightly: FreezeWindow = { name: "nightly", cron: "0 1 * * *", durationMs: 4 * HOUR };
    const status = isFrozen([maintenance, nightly], now);
    expect(status).toMatchObject({
      frozen: true,
      window: { name: "nightly" },
      endsAt: at("2026-11-01T05:00:00Z"),
    });
  });
});

describe("validateFreezeWindows", () => {
  it("names each bad window and field", () => {
    expect(
      validateFreezeWindows([
        maintenance,
        { cron: "61 2 * * *", durationMs: HOUR },
        { cron: "0 2 * * *", durationMs: 0 },
        { cron: "0 2 * * *", durationMs: HOUR, timezone: "Mars/Olympus" },
        { cron: "0 2 1-7 * 0", durationMs: 2 * HOUR },
      ]),
    ).toEqual([
      expect.stringMatching(/^freeze\[1\]\.cron: "61 2 \* \* \*" is not a cron expression/),
      'freeze[2].duration: expected a positive duration such as "2h"',
      'freeze[3].cron: unknown time zone "Mars/Olympus"',
      'freeze[4].cron: "0 2 1-7 * 0" sets both day of month and day of week, which cron matches as EITHER; for "first Sunday" write "0 2 * * 0#1"',
    ]);
  });

  it("keeps cron's OR meaning when both day fields are set, freezing more rather than less", () => {
    const ambiguous = { cron: "0 2 1-7 * 0", durationMs: 2 * HOUR };
    expect(isFrozen([ambiguous], at("2026-11-03T02:30:00Z")).frozen).toBe(true); // a Tuesday, day 3
    expect(isFrozen([ambiguous], at("2026-11-15T02:30:00Z")).frozen).toBe(true); // third Sunday
  });
});

describe("checkFreeze", () => {
  const inside = at("2026-11-01T02:30:00Z");
  const base = { windows: [maintenance], environment: "production", now: inside };

  it("is open outside every window", () => {
    expect(checkFreeze({ ...base, now: at("2026-11-02T02:30:00Z"), principal: deployer })).toEqual({
      outcome: "open",
    });
  });

  it("refuses a deploy inside a window, saying until when", () => {
    expect(checkFreeze({ ...base, principal: deployer })).toMatchObject({
      outcome: "frozen",
      status: 409,
      message:
        'production is in freeze window "maintenance" until 2026-11-01T04:00:00.000Z; an admin can override with a reason',
    });
  });

  it("gives the window's reason", () => {
    const windows = [{ ...maintenance, reason: "monthly maintenance" }];
    expect(checkFreeze({ ...base, windows, principal: deployer })).toMatchObject({
      message: expect.stringContaining('freeze window "maintenance" (monthly maintenance) until') as unknown,
    });
  });

  it("lets only an admin override, and only with a reason", () => {
    expect(checkFreeze({ ...base, principal: deployer, override: { reason: "hotfix" } })).toMatchObject({
      outcome: "frozen",
      status: 403,
    });
    expect(checkFreeze({ ...base, principal: admin, override: { reason: "   " } })).toMatchObject({
      outcome: "frozen",
      message: "a freeze override needs a reason",
    });
    expect(
      checkFreeze({ ...base, principal: admin, override: { reason: " CVE-2026-1 hotfix " } }),
    ).toMatchObject({
      outcome: "overridden",
      by: "root",
      reason: "CVE-2026-1 hotfix",
    });
  });
});
