import { getPriority, tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { execFileAsync, startForkServer } from "./fork-server.js";

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

  it("after startForkServer, runs it from a helper process with the same results", async () => {
    startForkServer();
    // Until the helper listens, from here; then from the helper.
    const deadline = Date.now() + 20_000;
    while ((await starter()) === process.pid && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await keepsExecFileContract();
    const helper = await starter();
    expect(helper).not.toBe(process.pid);
    // Asked at once, answered each with its own output.
    const outputs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => execFileAsync("sh", ["-c", `echo ${i}`], { cwd })),
    );
    expect(outputs.map((o) => o.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
    expect(await starter()).toBe(helper);
  });

  it("answers what a killed helper had not, and starts another for the next request", async () => {
    const helper = await starter();
    // In flight while the helper dies: run again from this process (or a new helper).
    const slow = execFileAsync("sh", ["-c", "sleep 0.3; echo late"], { cwd });
    process.kill(helper, "SIGKILL");
    expect((await slow).stdout).toBe("late\n");
    // The next requests run from here while another helper starts, then from it.
    const deadline = Date.now() + 20_000;
    let next = await starter();
    while (next === process.pid && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      next = await starter();
    }
    expect(next).not.toBe(helper);
    expect(next).not.toBe(process.pid);
  });
});
