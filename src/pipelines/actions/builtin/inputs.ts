import type { ActionContext } from "../contract.js";

/** Reads typed `with:` values the way @actions/core does, failing with the input's name. */
export function booleanInput(context: ActionContext, name: string, fallback: boolean): boolean {
  const raw = (context.inputs[name] ?? "").trim();
  if (raw === "") return fallback;
  if (/^(true|True|TRUE)$/.test(raw)) return true;
  if (/^(false|False|FALSE)$/.test(raw)) return false;
  throw new Error(`input ${name}: expected true or false, got ${JSON.stringify(raw)}`);
}

/**
 * A boolean input as actions/checkout, setup-node and cache read theirs: empty is the default,
 * "true" in any case is true, anything else false (`contains('26.x', '.x')` written as plain
 * text is false there, not an error). Actions that call core.getBooleanInput use `booleanInput`.
 */
export function lenientBooleanInput(context: ActionContext, name: string, fallback: boolean): boolean {
  const raw = (context.inputs[name] ?? "").trim();
  return raw === "" ? fallback : raw.toUpperCase() === "TRUE";
}

export function integerInput(context: ActionContext, name: string, fallback: number): number {
  const raw = (context.inputs[name] ?? "").trim();
  if (raw === "") return fallback;
  if (!/^-?\d+$/.test(raw))
    throw new Error(`input ${name}: expected a whole number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export function stringInput(context: ActionContext, name: string, fallback = ""): string {
  const raw = (context.inputs[name] ?? "").trim();
  return raw === "" ? fallback : raw;
}

export function requiredInput(context: ActionContext, name: string): string {
  const value = stringInput(context, name);
  if (value === "") throw new Error(`input ${name} is required and was not supplied`);
  return value;
}

/** A multi-line or comma-separated list input (restore-keys, filters' lists), blanks dropped. */
export function listInput(context: ActionContext, name: string): string[] {
  return (context.inputs[name] ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}
