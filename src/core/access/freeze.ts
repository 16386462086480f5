import { CronExpressionParser } from "cron-parser";
import { can } from "./can.js";
import type { Principal } from "./roles.js";

/**
 * A recurring period when deploys are refused, as a cron expression for its start plus a duration.
 * Seed 001's "first Sunday 2-4 AM UTC" maintenance window is `{ cron: "0 2 * * 0#1", durationMs: 2h }`
 * (`#1` = first such weekday of the month).
 */
export interface FreezeWindow {
  name?: string;
  /** Five-field cron (six with seconds first), evaluated in `timezone`. */
  cron: string;
  durationMs: number;
  /** IANA zone name; default "UTC". */
  timezone?: string;
  /** Environments it applies to; all when absent. */
  environments?: readonly string[];
  /** Shown when a deploy is refused, e.g. "monthly maintenance". */
  reason?: string;
}

export type FreezeStatus =
  { frozen: false } | { frozen: true; window: FreezeWindow; startedAt: number; endsAt: number };

/** Problems with each window ("freeze[1].cron: ..."), empty when all are valid. */
export function validateFreezeWindows(windows: readonly FreezeWindow[]): string[] {
  const problems: string[] = [];
  windows.forEach((window, index) => {
    const at = `freeze[${index}]`;
    if (!Number.isFinite(window.durationMs) || window.durationMs <= 0) {
      problems.push(`${at}.duration: expected a positive duration such as "2h"`);
    }
    try {
      lastStart(window, Date.UTC(2026, 0, 1));
    } catch (error) {
      problems.push(`${at}.cron: ${(error as Error).message}`);
      return;
    }
    const fields = window.cron.trim().split(/\s+/);
    const [dayOfMonth, , dayOfWeek] = fields.slice(-3);
    const restricted = (field: string | undefined) => field !== undefined && field !== "*" && field !== "?";
    if (restricted(dayOfMonth) && restricted(dayOfWeek)) {
      // Cron ORs these two fields, a classic trap: "0 2 1-7 * 0" is every day 1-7 AND every Sunday.
      // isFrozen keeps cron's meaning (it freezes more, never less); validation asks for clarity.
      problems.push(
        `${at}.cron: "${window.cron}" sets both day of month and day of week, which cron matches as EITHER; ` +
          `for "first Sunday" write "${fields.slice(0, -3).join(" ")} * * ${dayOfWeek?.split(",")[0] ?? "0"}#1"`,
      );
    }
  });
  return problems;
}

/** The latest start of `window` at or before `now` (epoch ms); throws on an invalid expression. */
function lastStart(window: FreezeWindow, now: number): number {
  const tz = window.timezone ?? "UTC";
  if (!isTimeZone(tz)) throw new Error(`unknown time zone "${tz}"`);
  let expression;
  try {
    // prev() is strictly before currentDate, so ask from just after now to include a start at now.
    expression = CronExpressionParser.parse(window.cron, { currentDate: new Date(now + 1), tz });
  } catch (error) {
    throw new Error(`"${window.cron}" is not a cron expression (${(error as Error).message})`, {
      cause: error,
    });
  }
  return expression.prev().getTime();
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `environment` is inside a freeze window at `now` (epoch ms). When windows overlap, the one
 * ending last is reported, since that is when deploys open again.
 *
 * @example
 * isFrozen([{ cron: "0 2 * * 0#1", durationMs: 7_200_000 }], Date.parse("2026-11-01T03:00:00Z"))
 * // → { frozen: true, startedAt: 2026-11-01T02:00Z, endsAt: 2026-11-01T04:00Z, window }
 */
export function isFrozen(windows: readonly FreezeWindow[], now: number, environment?: string): FreezeStatus {
  let found: FreezeStatus = { frozen: false };
  for (const window of windows) {
    if (environment !== undefined && window.environments && !window.environments.includes(environment))
      continue;
    const startedAt = lastStart(window, now);
    const endsAt = startedAt + window.durationMs;
    if (now < endsAt && (!found.frozen || endsAt > found.endsAt))
      found = { frozen: true, window, startedAt, endsAt };
  }
  return found;
}

export type FreezeCheck =
  | { outcome: "open" }
  | { outcome: "overridden"; by: string; reason: string; freeze: FreezeStatus & { frozen: true } }
  | { outcome: "frozen"; status: 403 | 409; message: string; freeze: FreezeStatus & { frozen: true } };

/**
 * Gate for a deploy into `environment`: open outside windows; inside one, refused (409) unless an
 * admin overrides with a non-empty reason, which the caller records in the audit event.
 */
export function checkFreeze(args: {
  windows: readonly FreezeWindow[];
  environment: string;
  now: number;
  principal: Principal;
  override?: { reason: string };
}): FreezeCheck {
  const status = isFrozen(args.windows, args.now, args.environment);
  if (!status.frozen) return { outcome: "open" };
  const until = new Date(status.endsAt).toISOString();
  const named = status.window.name ? `freeze window "${status.window.name}"` : "a freeze window";
  const label = status.window.reason ? `${named} (${status.window.reason})` : named;
  if (!args.override) {
    return {
      outcome: "frozen",
      status: 409,
      message: `${args.environment} is in ${label} until ${until}; an admin can override with a reason`,
      freeze: status,
    };
  }
  const decision = can(args.principal, "override-freeze", {
    kind: "environment",
    environment: args.environment,
  });
  if (decision.effect === "deny" || args.principal.kind === "anonymous") {
    return {
      outcome: "frozen",
      status: 403,
      message: `${args.environment} is in ${label} until ${until}; only an admin can override it`,
      freeze: status,
    };
  }
  const reason = args.override.reason.trim();
  if (reason === "") {
    return { outcome: "frozen", status: 409, message: "a freeze override needs a reason", freeze: status };
  }
  return { outcome: "overridden", by: args.principal.id, reason, freeze: status };
}
