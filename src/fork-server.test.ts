import { getPriority, tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { execFileAsync, spawnStreaming, startForkServer, type StreamHandlers } from "./fork-server.js";

const cwd = tmpdir();

/** The contract both ways keep: execFile's output and its errors. */
async function keepsExecFileContract(): Promise<void> {
  expect(await execFileAsync("sh", ["-c", "echo out; echo err >&2"], { cwd })).toEqual({
    stdout: "out\n",
    stderr: "err\n",
  });
  expect((await execFileAsync("pwd", [], { cwd: "/" })).stdout).toBe("/\n");
  expect(
    (await execFileAsync("sh", ["-c", "echo $FORK_TEST"], { cwd, env: { FORK_TEST: "named" } })).stdout,
  ).toBe("named\n");
  await expect(
    execFileAsync("sh", ["-c", "echo partial; echo why >&2; exit 3"], { cwd }),
  ).rejects.toMatchObject({
    code: 3,
    stdout: "partial\n",
    stderr: "why\n",
  });
  await expect(execFileAsync("slipway-no-such-command", [], { cwd })).rejects.toMatchObject({
    code: "ENOENT",
  });
  // Work done ahead runs at nice 10 (field 19 of /proc/<pid>/stat), the rest as this process does.
  const niceness = async (lowPriority: boolean) =>
    Number(
      (await execFileAsync("sh", ["-c", "sleep 0.2; cut -d' ' -f19 /proc/$$/stat"], { cwd, lowPriority }))
        .stdout,
    );
  expect(await niceness(false)).toBe(getPriority());
  expect(await niceness(true)).toBe(Math.max(10, getPriority()));
}

/** What a streamed process reported, in order; resolves at its close or failure. */
function streamed(
  script: string,
  env: Record<string, string> = { PATH: process.env.PATH ?? "" },
): { events: string[]; ended: Promise<string[]>; pid: Promise<number> } {
  const events: string[] = [];
  let exited = "no exit";
  let spawned: (pid: number) => void = () => undefined;
  const pid = new Promise<number>((resolve) => (spawned = resolve));
  const ended = new Promise<string[]>((resolve) => {
    const handlers: StreamHandlers = {
      spawned: (started) => spawned(started),
      data: (stream, text) => {
        // Consecutive output of a stream as one entry: how it was cut into chunks is the pipe's.
        const last = events.at(-1);
        if (last?.startsWith(`${stream}:`)) events[events.length - 1] = last + text;
        else events.push(`${stream}:${text}`);
      },
      // Its exit may come before the last of its output (the pipes are read apart from it): kept
      // aside, and checked to come before its close.
      exit: (code, signal) => (exited = `exit:${code ?? signal}`),
      close: (code) => {
        events.push(exited, `close:${code}`);
        resolve(events);
      },
      failed: (message, started) => {
        events.push(`failed:${started}:${message}`);
        resolve(events);
      },
    };
    spawnStreaming("sh", ["-c", script], { cwd, env }, handlers);
  });
  return { events, ended, pid };
}

/** The contract of spawnStreaming both ways: output as it comes, in a process group of its own. */
async function keepsStreamingContract(): Promise<void> {
  // A euro sign written a byte at a time still arrives as one character.
  const bytes = "printf 'a\\342'; sleep 0.05; printf '\\202'; sleep 0.05; printf '\\254b\\n'";
  expect(await streamed(`${bytes}; echo err >&2; exit 4`).ended).toEqual([
    "stdout:a€b\n",
    "stderr:err\n",
    "exit:4",
    "close:4",
  ]);
  // Its own process group: the pid it reports leads one (field 5 of /proc/<pid>/stat).
  const group = streamed("cut -d' ' -f5 /proc/$$/stat; echo $$");
  const [pgid, self] = (await group.ended)[0]!.slice("stdout:".length).trim().split("\n");
  expect(pgid).toBe(self);
  expect(Number(self)).toBe(await group.pid);
  // The environment given, and only it.
  expect((await streamed("echo $STREAM_TEST", { STREAM_TEST: "named" }).ended)[0]).toBe("stdout:named\n");
  // A command that cannot start says why, and nothing else follows.
  const events: string[] = [];
  await new Promise<void>((resolve) =>
    spawnStreaming(
      "slipway-no-such-command",
      [],
      { cwd, env: {} },
      {
        spawned: () => events.push("spawned"),
        data: () => events.push("data"),
        exit: () => events.push("exit"),
        close: () => events.push("close"),
        failed: (message, started) => {
          events.push(`failed:${started}:${message}`);
          setTimeout(resolve, 100);
        },
      },
    ),
  );
  expect(events).toEqual([expect.stringMatching(/^failed:false:.*ENOENT/)]);
}

/** The helper's pid, once it answers (the requests made until then run from this process). */
async function helperPid(): Promise<number> {
  const deadline = Date.now() + 20_000;
  let pid = await starter();
  while (pid === process.pid && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    pid = await starter();
  }
  return pid;
}

/** The pid of the process that started the command. */
async function starter(): Promise<number> {
  return Number((await execFileAsync("sh", ["-c", "echo $PPID"], { cwd })).stdout);
}

// In this order: the module's fork server, once started, serves every later call of the file.
describe("execFileAsync", { timeout: 30_000 }, () => {
  it("runs a command from this process, as execFile does", async () => {
    await keepsExecFileContract();
    expect(await starter()).toBe(process.pid);
  });

  it("streams a process's output from this process", async () => {
    await keepsStreamingContract();
    expect((await streamed("echo $PPID").ended)[0]).toBe(`stdout:${process.pid}\n`);
  });

  it("after startForkServer, runs it from a helper process with the same results", async () => {
    startForkServer();
    // Until the helper listens, from here; then from the helper.
    const helper = await helperPid();
    await keepsExecFileContract();
    expect(helper).not.toBe(process.pid);
    // Asked at once, answered each with its own output.
    const outputs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => execFileAsync("sh", ["-c", `echo ${i}`], { cwd })),
    );
    expect(outputs.map((o) => o.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
    expect(await starter()).toBe(helper);
    // Streamed processes too, several at once, each with its own output.
    await keepsStreamingContract();
    expect((await streamed("echo $PPID").ended)[0]).toBe(`stdout:${helper}\n`);
    const many = await Promise.all(Array.from({ length: 10 }, (_, i) => streamed(`echo ${i}`).ended));
    expect(many.map((events) => events[0])).toEqual(Array.from({ length: 10 }, (_, i) => `stdout:${i}\n`));
  });

  it("answers what a killed helper had not, and starts another for the next request", async () => {
    const helper = await starter();
    // In flight while the helper dies: run again from this process (or a new helper).
    const slow = execFileAsync("sh", ["-c", "sleep 0.3; echo late"], { cwd });
    process.kill(helper, "SIGKILL");
    expect((await slow).stdout).toBe("late\n");
    // The next requests run from here while another helper starts, then from it.
    const next = await helperPid();
    expect(next).not.toBe(helper);
    expect(next).not.toBe(process.pid);
  });
  it("reports a streamed process lost when its helper dies, and does not start it again", async () => {
    const helper = await helperPid();
    const running = streamed("echo started; sleep 5; echo never");
    const pid = await running.pid;
    while (running.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    process.kill(helper, "SIGKILL");
    expect(await running.ended).toEqual([
      "stdout:started\n",
      expect.stringMatching(/^failed:true:.*fork-server.*died/),
    ]);
    // It lives on (the caller kills its group); here the test does.
    expect(() => process.kill(pid, 0)).not.toThrow();
    process.kill(-pid, "SIGKILL");
  });
});
