import { readFileSync } from "node:fs";
import { SlipwayError } from "../core/errors.js";

/** Reads `--event-file`: the JSON payload GitHub would deliver. */
export function readEventFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `--event-file ${path}: ${(error as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new Error("expected a JSON object");
    return value as Record<string, unknown>;
  } catch (error) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `--event-file ${path}: not a JSON object (${(error as Error).message})`,
    );
  }
}
