import { describe, expect, it } from "vitest";
import { startForkServer } from "../fork-server.js";
import { runProcess, type ProcessOptions } from "./process.js";

const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

function options(overrides: Partial<ProcessOptions> = {}): ProcessOptions {
  return {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? "" },
    signal: new AbortController().signal,
    onLine: () => undefined,
    ...overrides,
  };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** What runProcess promises, whichever process starts the command. */
async function keepsProcessContract(): Promise<void> {
  const before = timers();
  const lines: string[] = [];
  const end = await runProcess(
    "bash",
    ["-c", "echo one; echo two >&2; exit 3"],
    options({ onLine: (line, stream) => lines.push(`${stream}:${line}`) }),
  );
  expect(end).toEqual({ kind: "exited", code: 3 });
  expect(lines.sort()).toEqual(["stderr:two", "stdout:one"]);
  expect(timers()).toBe(before);

  // A background child holding the pipes open does not hold the step: it ends with its shell.
  let background = 0;
  const detached = await runProcess(
    "bash",
    ["-c", "sleep 30 & echo $!"],
    options({ onLine: (line) => (background = Number(line)) }),
  );
  expect(detached).toEqual({ kind: "exited", code: 0 });
  expect(alive(background)).toBe(true);
  process.kill(background, "SIGKILL");

  // Cancelled: the whole group goes, the child its shell started too.
  const controller = new AbortController();
  let child = 0;
  let group = 0;
  const cancelled = await runProcess(
    "bash",
    ["-c", "sleep 30 & echo $!; wait"],
    options({
      signal: controller.signal,
      onGroup: (pgid) => (group = pgid),
      onLine: (line) => {
        child = Number(line);
        controller.abort();
      },
    }),
  );
  expect(cancelled).toEqual({ kind: "cancelled" });
  expect(group).toBeGreaterThan(0);
  const deadline = Date.now() + 5_000;
  while (alive(child) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(alive(child)).toBe(false);

  expect(await runProcess("slipway-no-such-shell", [], options())).toMatchObject({ kind: "spawn-failed" });
}

// In this order: once started, the fork server starts every later command of this file.
describe("runProcess", { timeout: 30_000 }, () => {
  it("delivers the output and exit code, ends with its shell, and kills its group when cancelled", async () => {
    await keepsProcessContract();
  });

  it("keeps that contract when the fork server starts the command", async () => {
    startForkServer();
    // Until the helper listens, commands start here: wait until one reports another parent.
    const parent = async (): Promise<number> => {
      let ppid = 0;
      await runProcess("sh", ["-c", "echo $PPID"], options({ onLine: (line) => (ppid = Number(line)) }));
      return ppid;
    };
    const deadline = Date.now() + 20_000;
    while ((await parent()) === process.pid && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await parent()).not.toBe(process.pid);
    await keepsProcessContract();
  });
});
