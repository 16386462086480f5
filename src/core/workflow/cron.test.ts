import { describe, expect, it } from "vitest";
import { parseCron } from "./cron.js";

const at = (iso: string): Date => new Date(iso);
function matches(expression: string, iso: string): boolean {
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.schedule.matches(at(iso));
}

describe("cron schedules (UTC, as GitHub)", () => {
  it("matches minutes, hours, steps, ranges and lists in UTC", () => {
    expect(matches("*/15 * * * *", "2026-12-06T10:45:30Z")).toBe(true);
    expect(matches("*/15 * * * *", "2026-12-06T10:46:00Z")).toBe(false);
    expect(matches("30 5 * * 1-5", "2026-12-07T05:30:00Z")).toBe(true); // Monday
    expect(matches("30 5 * * 1-5", "2026-12-06T05:30:00Z")).toBe(false); // Sunday
    expect(matches("0 0,12 1 * *", "2026-12-01T12:00:00Z")).toBe(true);
    expect(matches("0 3 * * *", "2026-12-06T03:00:00+01:00")).toBe(false); // 02:00 UTC
  });

  it("knows names, Sunday as 0 or 7, and the either-day rule", () => {
    expect(matches("0 9 * JAN,dec SUN", "2026-12-06T09:00:00Z")).toBe(true);
    expect(matches("0 9 * * 7", "2026-12-06T09:00:00Z")).toBe(true);
    // Day of month 15 OR Monday.
    expect(matches("0 9 15 * MON", "2026-12-07T09:00:00Z")).toBe(true);
    expect(matches("0 9 15 * MON", "2026-12-15T09:00:00Z")).toBe(true);
    expect(matches("0 9 15 * MON", "2026-12-16T09:00:00Z")).toBe(false);
  });

  it("says what is wrong with a bad expression", () => {
    const problem = (expression: string): string => {
      const parsed = parseCron(expression);
      return parsed.ok ? "" : parsed.problem;
    };
    expect(problem("* * * *")).toContain("5 fields");
    expect(problem("61 * * * *")).toContain("minute has a bad value '61'");
    expect(problem("*/0 * * * *")).toContain("bad step");
  });
});
