import { spawnStreaming } from "../fork-server.js";

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
  | { kind: "spawn-failed"; message: string }
  /** It started, then the process that started it died (fork-server.ts): its group is killed. */
  | { kind: "lost"; message: string };

/** How long a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2_000;

/** After the shell exits, how long its pipes may stay silent before we stop reading them. */
const EXIT_DRAIN_MS = 500;

/**
 * Runs a command in its own process group (detached) and kills the whole group on timeout or
 * cancellation: a step's `sleep` or background server must not outlive it (Gitea's runner learned
 * this the hard way). Output is delivered line by line. In a server the fork server starts it
 * (fork-server.ts), so a step does not wait for the server's own fork.
 */
export function runProcess(command: string, args: string[], options: ProcessOptions): Promise<ProcessEnd> {
  return new Promise((resolvePromise) => {
    let ending: "timed-out" | "cancelled" | undefined;
    let settled = false;
    let pid: number | undefined;
    const buffers = { stdout: "", stderr: "" };
    const feed = (stream: "stdout" | "stderr", text: string | undefined, flush = false): void => {
      if (text) buffers[stream] += text;
      const parts = buffers[stream].split(/\r?\n/);
      buffers[stream] = flush ? "" : (parts.pop() ?? "");
      for (const line of parts)
        if (!(flush && line === "" && parts.length === 1)) options.onLine(line, stream);
    };

    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    /** After exit: output arriving re-arms the drain timer. */
    let afterExit: (() => void) | undefined;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const terminate = (): void => {
      signalGroup(pid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(pid, "SIGKILL"), KILL_GRACE_MS);
    };
    const killGroup = (reason: "timed-out" | "cancelled"): void => {
      if (ending || settled) return;
      ending = reason;
      if (pid !== undefined) terminate(); // else as soon as it has started
    };
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => killGroup("timed-out"), options.timeoutMs)
        : undefined;
    const onAbort = (): void => killGroup("cancelled");

    const finish = (end: ProcessEnd): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      // Pipes usually close right after exit: a drain timer left armed would keep the command
      // alive for EXIT_DRAIN_MS after its last step.
      clearTimeout(drainTimer);
      options.signal.removeEventListener("abort", onAbort);
      if (end.kind !== "exited") signalGroup(pid, "SIGKILL");
      resolvePromise(end);
    };
    /** The last line of each stream, when it had no newline. */
    const flush = (): void => {
      feed("stdout", undefined, true);
      feed("stderr", undefined, true);
    };
    const done = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      flush();
      if (ending) finish({ kind: ending });
      else finish({ kind: "exited", code: code ?? (signal ? 128 : 1) });
    };
    const child = spawnStreaming(
      command,
      args,
      { cwd: options.cwd, env: options.env },
      {
        spawned(started) {
          pid = started;
          options.onGroup?.(started);
          if (ending && !settled) terminate();
        },
        data(stream, text) {
          feed(stream, text);
          afterExit?.();
        },
        // A background process (`server &`) keeps the pipes open after the shell exits; like
        // GitHub's runner we let it live until the job ends, and stop waiting for its output
        // shortly after exit. Output still in the pipe keeps arriving after exit, so we wait until
        // it has been quiet for a while.
        exit(code, signal) {
          exited = { code, signal };
          let chunks = 0;
          afterExit = () => {
            chunks++;
            clearTimeout(drainTimer);
            const seen = chunks;
            drainTimer = setTimeout(() => {
              // Timers run before pending I/O after a busy loop: give reads one more turn first.
              setImmediate(() => {
                if (settled || chunks !== seen) return;
                child.stopReading();
                done(code, signal);
              });
            }, EXIT_DRAIN_MS);
          };
          afterExit();
        },
        close: done,
        failed(message, started) {
          if (!started) return finish({ kind: "spawn-failed", message });
          // Its exit was seen before the helper died: what was lost is at most some late output.
          if (exited) return done(exited.code, exited.signal);
          flush();
          finish({ kind: "lost", message });
        },
      },
    );
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });
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
