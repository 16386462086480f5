import { readdirSync, readlinkSync } from "node:fs";
import { basename } from "node:path";

/**
 * Processes whose working directory is under `prefix` (a release directory: the instances, however
 * they were started). `node: true` keeps Node processes only, judged by the executable, not
 * `comm`: Node 24 names its main thread "MainThread".
 */
export function processesUnder(prefix: string, options: { node?: boolean } = {}): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (
        readlinkSync(`/proc/${entry}/cwd`).startsWith(prefix) &&
        (!options.node || basename(readlinkSync(`/proc/${entry}/exe`)) === "node")
      )
        pids.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}
