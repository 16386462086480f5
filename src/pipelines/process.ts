import { spawn } from "node:child_process";

export interface ProcessOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs?: number;
  signal: AbortSignal;
  onLine(line: string, stream: "stdout" | "stderr"): void;
  /** Called with the process group id, so the job can kill what a step left running at its end. */
  onGroup?(pgid: number): void;
}

export type ProcessEnd =
  | { kind: "exited"; code: number }
  | { kind: "timed-out" }
  | { kind: "cancelled" }
  | { kind: "spawn-failed"; message: string };

/** How long a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2_000;

/** After the shell exits, how long its pipes may stay silent before we stop reading them. */
const EXIT_DRAIN_MS = 500;

/**
 * Runs a command in its own process group (detached) and kills the whole group on timeout or
 * cancellation: a step's `sleep` or background server must not outlive it (Gitea's runner learned
 * this the hard way). Output is delivered line by line.
 */
export function runProcess(command: string, args: string[], options: ProcessOptions): Promise<ProcessEnd> {
  return new Promise((resolvePromise) => {
    let ending: "timed-out" | "cancelled" | undefined;
    let settled = false;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid !== undefined) options.onGroup?.(child.pid);
    const buffers = { stdout: "", stderr: "" };
    const feed = (stream: "stdout" | "stderr", chunk: Buffer | undefined, flush = false): void => {
      if (chunk) buffers[stream] += chunk.toString("utf8");
      const parts = buffers[stream].split(/\r?\n/);
      buffers[stream] = flush ? "" : (parts.pop() ?? "");
      for (const line of parts)
        if (!(flush && line === "" && parts.length === 1)) options.onLine(line, stream);
    };
    child.stdout.on("data", (chunk: Buffer) => feed("stdout", chunk));
    child.stderr.on("data", (chunk: Buffer) => feed("stderr", chunk));

    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const killGroup = (reason: "timed-out" | "cancelled"): void => {
      if (ending || settled) return;
      ending = reason;
      signalGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
    };
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => killGroup("timed-out"), options.timeoutMs)
        : undefined;
    const onAbort = (): void => killGroup("cancelled");
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });

    const finish = (end: ProcessEnd): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      // Pipes usually close right after exit: a drain timer left armed would keep the command
      // alive for EXIT_DRAIN_MS after its last step.
      clearTimeout(drainTimer);
      options.signal.removeEventListener("abort", onAbort);
      if (end.kind !== "exited") signalGroup(child.pid, "SIGKILL");
      resolvePromise(end);
    };
    child.on("error", (error) => finish({ kind: "spawn-failed", message: error.message }));
    const done = (code: number | null, signal: NodeJS.Signals | null): void => {
      feed("stdout", undefined, true);
      feed("stderr", undefined, true);
      if (ending) finish({ kind: ending });
      else finish({ kind: "exited", code: code ?? (signal ? 128 : 1) });
    };
    child.on("close", done);
    // A background process (`server &`) keeps the pipes open after the shell exits; like GitHub's
    // runner we let it live until the job ends, and stop waiting for its output shortly after exit.
    // Output still in the pipe keeps arriving after exit, so we wait until it has been quiet for a while.
    child.on("exit", (code, signal) => {
      let chunks = 0;
      const arm = (): void => {
        chunks++;
        clearTimeout(drainTimer);
        const seen = chunks;
        drainTimer = setTimeout(() => {
          // Timers run before pending I/O after a busy loop: give reads one more turn first.
          setImmediate(() => {
            if (settled || chunks !== seen) return;
            child.stdout.destroy();
            child.stderr.destroy();
            done(code, signal);
          });
        }, EXIT_DRAIN_MS);
      };
      child.stdout.on("data", arm);
      child.stderr.on("data", arm);
      arm();
    });
  });
}

export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
