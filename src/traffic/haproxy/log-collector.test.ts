import { describe, expect, it } from "vitest";
import { parseLines } from "./log-collector.js";

const collect = (text: string, from = 0) => {
  const seen: unknown[][] = [];
  const buf = Buffer.from(text, "latin1");
  const rest = parseLines(buf, from, buf.length, (...args) => seen.push(args));
  return { seen, rest: buf.subarray(rest).toString("latin1") };
};

describe("HAProxy request log lines", () => {
  it("reads backend, server, status, microseconds and a drain cut from each complete line", () => {
    const { seen, rest } = collect(
      "slw r_abc s_def 200 1234 ----\nslw r_abc s_def -1 77 CD--\nslw c_x s_y 504 9 KD--\nslw r_a s_b 2",
    );
    expect(seen).toEqual([
      ["r_abc", "s_def", 200, 1234, false],
      ["r_abc", "s_def", -1, 77, false],
      ["c_x", "s_y", 504, 9, true],
    ]);
    expect(rest).toBe("slw r_a s_b 2");
  });

  it("skips what is not a request line (show info's answer, a negative time, garbage)", () => {
    const { seen } = collect(
      "Pid: 12\nUptime: 0d\n\nslw b s 200 -1 ----\nslw b s x 5 ----\nslw sync /sync/1 204 0 ----\n",
    );
    expect(seen).toEqual([
      ["b", "s", 200, 0, false],
      ["sync", "/sync/1", 204, 0, false],
    ]);
  });
});
