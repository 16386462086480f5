import { readdirSync, readFileSync } from "node:fs";
import { isSameProcess, ownStartTime } from "../../proc.js";

/**
 * The processes a run's steps started, found by a mark in their environment, as GitHub's runner
 * does: every step gets `RUNNER_TRACKING_ID`, children inherit it, and when a job ends the runner
 * kills whatever still carries it ("Cleaning up orphan processes"). That reaches what a step's
 * process group does not: a daemon that called setsid, or everything a step left running when the
 * Slipway process that ran it was killed outright. A step that must outlive its run sets
 * `RUNNER_TRACKING_ID: ""` (the runner's documented way out).
 *
 * The mark names the process that runs the step (pid and start time, so a recycled pid is never
 * taken for it) and the run: `slipway_<pid>_<start>_<runId>`.
 */
export const TRACKING_VARIABLE = "RUNNER_TRACKING_ID";

const PREFIX = `${TRACKING_VARIABLE}=slipway_`;
const MARK = /^(\d+)_(\d+)_(.+)$/;

/** The mark of this process's steps of run `runId`. */
export function trackingId(runId: string): string {
  return `slipway_${process.pid}_${ownStartTime() ?? 0}_${runId}`;
}

/** Kills (SIGKILL) the live processes still marked for run `runId` by this process; answers their pids. */
export function killRunProcesses(runId: string): number[] {
  const own = trackingId(runId).slice("slipway_".length);
  return killMarked((mark) => mark === own);
}

/**
 * Kills (SIGKILL) the processes marked by a Slipway process that is gone (killed, crashed, a
 * reboot's pid reused): nobody is left to end them. Answers their pids.
 */
export function killOrphans(): number[] {
  const owners = new Map<string, boolean>();
  return killMarked((mark) => {
    const [, pid, start] = MARK.exec(mark) ?? [];
    if (pid === undefined || start === undefined) return false;
    const key = `${pid}_${start}`;
    let alive = owners.get(key);
    if (alive === undefined) {
      alive = isSameProcess(Number(pid), Number(start));
      owners.set(key, alive);
    }
    return !alive;
  });
}

/** One pass over /proc: SIGKILL to every process whose mark (after `slipway_`) `doomed` accepts. */
function killMarked(doomed: (mark: string) => boolean): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return []; // no /proc: nothing marked can be found
  }
  const killed: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    const mark = markOf(pid);
    if (mark === undefined || !doomed(mark)) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      // gone meanwhile, or not ours to signal
    }
  }
  return killed;
}

/** The process's mark without its `slipway_` prefix, when its environment carries one of Slipway's. */
function markOf(pid: number): string | undefined {
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, "latin1");
  } catch {
    return undefined; // another user's process, or gone
  }
  // Each variable follows a NUL (the first one too, once one is put before it).
  const env = `\0${environ}`;
  const at = env.indexOf(`\0${PREFIX}`);
  if (at === -1) return undefined;
  const from = at + 1 + PREFIX.length;
  const end = env.indexOf("\0", from);
  return env.slice(from, end === -1 ? undefined : end);
}
