import { toExpressionString } from "./expressions.js";

/** Reads evaluated workflow values (`env:`, `timeout-minutes:`…) the way the runner takes them. */

/** A mapping of strings (an `env:` block); anything else is empty. */
export function stringMap(value: unknown): Record<string, string> {
  if (value === undefined || value === null || typeof value !== "object") return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toExpressionString(v)]),
  );
}

export function truthyValue(value: unknown): boolean {
  return value === true || value === "true";
}

export function numberValue(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}
