import { describe, expect, it } from "vitest";
import { LineParser, parseLines } from "./log-collector.js";

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

  it("gives each line its own names when a stream's parser reuses the strings of the last line", () => {
    const seen: unknown[][] = [];
    const parser = new LineParser((...args) => seen.push(args));
    const feed = (text: string) => {
      const buf = Buffer.from(text, "latin1");
      return buf.subarray(parser.parse(buf, 0, buf.length)).toString("latin1");
    };
    expect(feed("slw r_abc s_def 200 1 ----\nslw r_abc s_deg 200 2 ----\nslw r_abd s_deg 5")).toBe(
      "slw r_abd s_deg 5",
    );
    feed("slw r_abd s_deg 500 3 ----\nslw r_abc s_def 200 4 ----\n");
    expect(seen).toEqual([
      ["r_abc", "s_def", 200, 1, false],
      ["r_abc", "s_deg", 200, 2, false],
      ["r_abd", "s_deg", 500, 3, false],
      ["r_abc", "s_def", 200, 4, false],
    ]);
  });
});
