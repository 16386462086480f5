import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSameProcess, ownStartTime, processExists } from "../../proc.js";
import type { RunStore } from "../../store/ports/run-store.js";
import { killOrphans } from "./tracked-processes.js";

/**
 * The process that runs a run of `slipway run`, recorded as `<dataDir>/run-owners/<runId>`
 * ("pid start-time"), so a run whose process was killed (SIGKILL, the OOM killer, a host that
 * rebooted) does not stay "running" forever: whoever looks next finds its owner gone and marks it
 * interrupted. Runs of `slipway server` have their own record (the run manager's metadata).
 */
const OWNERS = "run-owners";

/** Records this process as the run's owner; the function it answers forgets it (the run ended). */
export function recordRunOwner(dataDir: string, runId: string): () => void {
  const dir = join(dataDir, OWNERS);
  const file = join(dir, runId);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${process.pid} ${ownStartTime() ?? ""}\n`);
  } catch {
    return () => undefined; // without the record the run is only not swept: no reason to fail it
  }
  return () => rmSync(file, { force: true });
}

/**
 * Marks interrupted each run still "running" whose recorded owner is gone (no such process, or
 * another one under its pid), and kills what the steps of such a run left running; answers
 * their ids. Runs without a record are left alone.
 */
export async function sweepAbandonedRuns(
  dataDir: string,
  store: Pick<RunStore, "getRun" | "markInterrupted">,
  now = Date.now(),
): Promise<string[]> {
  let owned: string[];
  try {
    owned = readdirSync(join(dataDir, OWNERS));
  } catch {
    return [];
  }
  const marked: string[] = [];
  let orphans = false;
  for (const runId of owned) {
    const file = join(dataDir, OWNERS, runId);
    if (ownerAlive(file)) continue;
    const run = await store.getRun(runId);
    if (run?.status === "running") {
      const duration = Math.max(0, now - Date.parse(run.startedAt));
      if (await store.markInterrupted(runId, duration)) marked.push(runId);
    }
    rmSync(file, { force: true });
    orphans = true;
  }
  // What its steps left running: nobody is left to stop it.
  if (orphans) killOrphans();
  return marked;
}

function ownerAlive(file: string): boolean {
  let pid: number;
  let startTime: number | undefined;
  try {
    const [pidText, start] = readFileSync(file, "utf8").trim().split(" ");
    pid = Number(pidText);
    startTime = start ? Number(start) : undefined;
  } catch {
    return true; // being written or removed right now: look again next time
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  // No start time recorded (no /proc where it ran): whether the pid answers a signal.
  if (startTime === undefined) return processExists(pid);
  return isSameProcess(pid, startTime);
}
