/**
 * What Linux's /proc says about processes: identity (pid + start time, so a recycled pid is never
 * mistaken for our instance), process-group membership, CPU ticks and resident memory.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie), T, X… */
  state: string;
  ppid: number;
  pgrp: number;
  /** User + system CPU time, in clock ticks. */
  cpuTicks: number;
  /** Start time after boot, in clock ticks: with the pid, a process's identity. */
  startTime: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Field 2 (comm) may hold spaces and parentheses; the fields after the last ")" are fixed.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (n: number): number => Number(rest[n - 3]);
  return {
    pid,
    state: rest[0] ?? "?",
    ppid: field(4),
    pgrp: field(5),
    cpuTicks: field(14) + field(15),
    startTime: field(22),
  };
}

let ownStart: number | undefined;

/** This process's start time (its identity with the pid, see readProcStat); undefined without /proc. */
export function ownStartTime(): number | undefined {
  ownStart ??= readProcStat(process.pid)?.startTime;
  return ownStart;
}

const isGone = (stat: ProcStat | undefined): boolean =>
  stat === undefined || stat.state === "Z" || stat.state === "X";

/** A process `pid` exists, ours or another user's (a signal 0 reaches it, or is refused); no /proc needed. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The process `pid` is running and is the one that started at `startTime` (not a recycled pid). */
export function isSameProcess(pid: number, startTime: number): boolean {
  const stat = readProcStat(pid);
  return !isGone(stat) && stat?.startTime === startTime;
}

/** Live (non-zombie) members of process group `pgid`. */
export function groupMembers(pgid: number): ProcStat[] {
  return membersOfGroups(new Set([pgid])).get(pgid) ?? [];
}

/** Live (non-zombie) members of each of the process groups, in one pass over /proc. */
export function membersOfGroups(pgids: ReadonlySet<number>): Map<number, ProcStat[]> {
  const members = new Map<number, ProcStat[]>();
  if (pgids.size === 0) return members;
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readProcStat(pid);
    if (!stat || isGone(stat) || !pgids.has(stat.pgrp)) continue;
    const list = members.get(stat.pgrp) ?? [];
    list.push(stat);
    members.set(stat.pgrp, list);
  }
  return members;
}

/**
 * Process-group leaders whose environment holds `name=value`: how instances started by this
 * runtime are found even without a state record (a control plane killed between spawn and write).
 */
export function groupLeadersWithEnv(name: string, value: string): number[] {
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const leaders: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    const stat = readProcStat(pid);
    if (!stat || isGone(stat) || stat.pgrp !== pid) continue;
    try {
      // Leading NUL so the match is anchored at a variable's start, whatever comes first.
      const environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`)]);
      if (environ.includes(needle)) leaders.push(pid);
    } catch {
      // another user's process, or gone
    }
  }
  return leaders;
}

/** Resident set size in bytes (VmRSS), 0 when the process is gone or is a kernel thread. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Seconds since boot, the clock /proc start times count from. */
export function uptimeSeconds(): number {
  return Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
}

let ticksPerSecond: number | undefined;
/** USER_HZ (clock ticks per second), asked once of getconf; 100 on every mainstream Linux. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
      ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Send `signal` to every process of group `pgid`; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  // kill(-0) and kill(-1) mean "my own group" and "every process I may signal": never what we want.
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
