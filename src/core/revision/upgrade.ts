import { SlipwayError } from "../errors.js";
import type { RevisionSpec } from "./spec.js";

/**
 * A revision spec as stored by any Slipway version (SQLite `revisions.spec`, the local runtime's
 * state records), in today's shape. Specs written before artifacts existed carried the release
 * directory as `workDir`; it becomes `artifact: { kind: "directory", path }`. Stored rows are never
 * rewritten, so an older Slipway can still read them after a downgrade.
 * @example upgradeRevisionSpec({ revisionId: "web/production@v3", workDir: "/srv/releases/web/v3", ... })
 *   // → { revisionId: "web/production@v3", artifact: { kind: "directory", path: "/srv/releases/web/v3" }, ... }
 */
export function upgradeRevisionSpec(stored: unknown): RevisionSpec {
  if (!isRecord(stored)) throw unreadable("not an object");
  if (isRecord(stored.artifact)) return stored as unknown as RevisionSpec;
  const { workDir, ...rest } = stored;
  if (typeof workDir !== "string") throw unreadable("it has neither an artifact nor a workDir");
  return { ...rest, artifact: { kind: "directory", path: workDir } } as unknown as RevisionSpec;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unreadable(why: string): SlipwayError {
  return new SlipwayError("SLIPWAY_INTERNAL", `stored revision spec is unreadable: ${why}`);
}
