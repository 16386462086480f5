import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { Masker } from "../core/workflow/masker.js";

export type BuildOutcome =
  | { kind: "succeeded" }
  | { kind: "exited"; exitCode: number; lastLine: string }
  | { kind: "killed"; signal: string; lastLine: string }
  | { kind: "timed-out"; timeoutMs: number; lastLine: string };

/** Grace between SIGTERM and SIGKILL when a build overruns its timeout. */
const KILL_GRACE_MS = 5000;

/**
 * Runs `command` with `sh -c` in `cwd` as its own process group, appending stdout and stderr to
 * `logFile` line by line with `secrets` masked. The whole group is stopped when the command passes
 * `timeoutMs` (SIGTERM, then SIGKILL), and whatever it left running in the background is killed
 * when it exits: a build must not outlive itself.
 */
export function runBuild(options: {
  command: string;
  cwd: string;
  env: Record<string, string>;
  logFile: string;
  timeoutMs: number;
  secrets: string[];
}): Promise<BuildOutcome> {
  const masker = new Masker();
  for (const secret of options.secrets) masker.add(secret);
  const log = createWriteStream(options.logFile, { flags: "a" });
  log.write(`$ ${masker.mask(options.command)}\n`);

  let lastLine = "";
  const emit = (line: string) => {
    const masked = masker.mask(line);
    log.write(`${masked}\n`);
    if (masked.trim() !== "") lastLine = masked.trim();
  };
  // One buffer per stream: a secret split across two chunks is still masked, and a half line of
  // stdout never merges with stderr.
  const lineReader = () => {
    let partial = "";
    return {
      push(text: string) {
        const lines = (partial + text).split(/\r?\n/);
        partial = lines.pop() ?? "";
        lines.forEach(emit);
      },
      flush() {
        if (partial !== "") emit(partial);
        partial = "";
      },
    };
  };
  const out = lineReader();
  const err = lineReader();

  return new Promise((resolvePromise, reject) => {
    const child = spawn("/bin/sh", ["-c", options.command], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
    };
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
    }, options.timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (text: string) => out.push(text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => err.push(text));
    // Background processes holding the pipes would keep 'close' from coming: end the group on exit.
    child.on("exit", () => killGroup("SIGKILL"));
    child.on("error", (error) => {
      clearTimeout(timer);
      log.end();
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      out.flush();
      err.flush();
      const outcome: BuildOutcome = timedOut
        ? { kind: "timed-out", timeoutMs: options.timeoutMs, lastLine }
        : code === 0
          ? { kind: "succeeded" }
          : code !== null
            ? { kind: "exited", exitCode: code, lastLine }
            : { kind: "killed", signal: signal ?? "unknown", lastLine };
      log.write(`# ${describeOutcome(outcome)}\n`);
      log.end(() => resolvePromise(outcome));
    });
  });
}

export function describeOutcome(outcome: BuildOutcome): string {
  switch (outcome.kind) {
    case "succeeded":
      return "build succeeded";
    case "exited":
      return `exit ${outcome.exitCode}`;
    case "killed":
      return `killed by ${outcome.signal}`;
    case "timed-out":
      return `timed out after ${outcome.timeoutMs}ms`;
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}
