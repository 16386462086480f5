import { spawn, type ChildProcess } from "node:child_process";
import type { SmokeStatus } from "../core/rollout/types.js";

/** Runs pre-promotion smoke commands; one per rollout, results polled by the controller. */
export class SmokeRunner {
  private readonly runs = new Map<string, { status: SmokeStatus; child: ChildProcess }>();

  start(rolloutId: string, command: string, cwd: string, env: Record<string, string>): void {
    if (this.runs.has(rolloutId)) return;
    const child = spawn("/bin/sh", ["-c", command], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000));
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const run = { status: { status: "running" } as SmokeStatus, child };
    this.runs.set(rolloutId, run);
    child.on("error", (error) => (run.status = { status: "failed", detail: error.message }));
    child.on("exit", (code, signal) => {
      const last = output.trim().split("\n").at(-1) ?? "";
      run.status =
        code === 0
          ? { status: "passed" }
          : { status: "failed", detail: `exit ${code ?? signal}${last ? `: ${last}` : ""}` };
    });
  }

  status(rolloutId: string): SmokeStatus | undefined {
    return this.runs.get(rolloutId)?.status;
  }

  /** Kill a smoke command that is no longer wanted (rollout decided, controller stopping). */
  cancel(rolloutId: string): void {
    const run = this.runs.get(rolloutId);
    this.runs.delete(rolloutId);
    if (run?.status.status === "running" && run.child.pid) {
      try {
        process.kill(-run.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  cancelAll(): void {
    for (const id of [...this.runs.keys()]) this.cancel(id);
  }
}
