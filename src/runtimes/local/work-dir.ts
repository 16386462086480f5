import type { Artifact } from "../port.js";

/**
 * The directory an instance's command (and its exec probes) run in: the release directory
 * itself, since the local runtime runs releases where they were built.
 */
export function workDirOf(artifact: Artifact): string {
  switch (artifact.kind) {
    case "directory":
      return artifact.path;
    default: {
      const unreachable: never = artifact.kind;
      return unreachable;
    }
  }
}
