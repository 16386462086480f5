/**
 * `on.schedule[].cron` as GitHub reads it: five fields (minute, hour, day of month, month, day of
 * week) in UTC; `*`, lists, ranges, `/step`, month names JAN-DEC and day names SUN-SAT; Sunday is 0
 * (7 too). When both day of month and day of week are restricted, either matching is enough (POSIX
 * cron, as GitHub documents).
 */
export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; problem: string };

export interface CronSchedule {
  /** True when the schedule fires in the UTC minute of `date`. */
  matches(date: Date): boolean;
}

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  },
  { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
] as const;

export function parseCron(expression: string): CronParse {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    return {
      ok: false,
      problem: `cron '${expression}' must have 5 fields (minute hour day month weekday), got ${parts.length}`,
    };
  }
  const sets: Set<number>[] = [];
  for (const [index, field] of FIELDS.entries()) {
    const part = parts[index] as string;
    const parsed = parseField(part, field);
    if (typeof parsed === "string")
      return { ok: false, problem: `cron '${expression}': ${field.name} ${parsed}` };
    sets.push(parsed);
  }
  const [minutes, hours, days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (weekdays.has(7)) weekdays.add(0);
  const dayRestricted = (parts[2] as string) !== "*";
  const weekdayRestricted = (parts[4] as string) !== "*";
  return {
    ok: true,
    schedule: {
      matches(date) {
        if (!minutes.has(date.getUTCMinutes()) || !hours.has(date.getUTCHours())) return false;
        if (!months.has(date.getUTCMonth() + 1)) return false;
        const day = days.has(date.getUTCDate());
        const weekday = weekdays.has(date.getUTCDay());
        if (dayRestricted && weekdayRestricted) return day || weekday;
        return day && weekday;
      },
    },
  };
}

function parseField(
  text: string,
  field: { min: number; max: number; names?: readonly string[] },
): Set<number> | string {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const [range = "", stepText] = item.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return `has a bad step '${item}'`;
    let low: number;
    let high: number;
    if (range === "*") {
      low = field.min;
      high = field.max;
    } else {
      const [from = "", to] = range.split("-");
      const a = value(from, field);
      const b = to === undefined ? (stepText === undefined ? a : field.max) : value(to, field);
      if (a === undefined || b === undefined)
        return `has a bad value '${item}' (expected ${field.min}-${field.max})`;
      if (a > b) return `has a backwards range '${item}'`;
      low = a;
      high = b;
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

function value(
  text: string,
  field: { min: number; max: number; names?: readonly string[] },
): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (field.min === 1 ? 1 : 0);
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= field.min && n <= field.max ? n : undefined;
}
