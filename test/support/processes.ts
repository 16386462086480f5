import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename, join } from "node:path";

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

/** SIGKILLs a process group (a detached proxy, an instance), or the process alone if it leads none. */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

/**
 * Ends what a project's control plane left running: its instances (processes running from one of
 * its release directories) and its proxy, which outlives the server on purpose (proxy.json).
 */
export function killProjectProcesses(dir: string): void {
  for (const pid of processesUnder(join(dir, ".slipway", "releases") + "/")) killGroup(pid);
  try {
    const proxy = JSON.parse(readFileSync(join(dir, ".slipway", "proxy", "proxy.json"), "utf8")) as {
      pid: number;
    };
    killGroup(proxy.pid);
  } catch {
    // never started
  }
}
