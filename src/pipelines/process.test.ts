import { describe, expect, it } from "vitest";
import { runProcess } from "./process.js";

const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

describe("runProcess", () => {
  it("delivers the output and exit code, and leaves no timer behind to keep the command alive", async () => {
    const before = timers();
    const lines: string[] = [];
    const end = await runProcess("bash", ["-c", "echo one; echo two >&2; exit 3"], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? "" },
      signal: new AbortController().signal,
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    });
    expect(end).toEqual({ kind: "exited", code: 3 });
    expect(lines.sort()).toEqual(["stderr:two", "stdout:one"]);
    expect(timers()).toBe(before);
  });
});
