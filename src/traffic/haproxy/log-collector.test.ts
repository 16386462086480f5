import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../../test/proxy/helpers.js";
import { LineParser, parseLines, RingLogCollector } from "./log-collector.js";

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

describe("RingLogCollector", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const clean of cleanups.splice(0)) clean();
  });

  it("counts every line of a fast stream once, across reads, rests and lines split between reads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-ring-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const socketPath = join(dir, "admin.sock");
    const lines = 60_000;
    let text = "Name: HAProxy\nPid: 42\n";
    for (let i = 0; i < lines; i++) text += `slw r_a s_${i % 3} 200 ${i} ----\n`;
    const payload = Buffer.from(text, "latin1");
    // Stands in for HAProxy's stats socket: `show info` names worker 42, then the ring's lines come
    // as fast as the socket takes them, in writes of uneven sizes that split lines.
    const server = createServer((socket) => {
      socket.once("data", () => {
        let at = 0;
        let writes = 0;
        const pump = () => {
          while (at < payload.length) {
            // Runs of tiny writes, then large ones: reads of very different sizes follow.
            writes++;
            const size = writes % 300 < 250 ? 1 + ((writes * 7) % 64) : 20_000 + ((writes * 13) % 997);
            const more = socket.write(payload.subarray(at, (at += size)));
            if (!more) return void socket.once("drain", pump);
          }
          socket.end();
        };
        pump();
      });
    });
    await new Promise<void>((done) => server.listen(socketPath, done));
    cleanups.push(() => server.close());
    const seen: number[] = [];
    const collector = new RingLogCollector(socketPath, (_backend, _server, _status, us) => seen.push(us));
    cleanups.push(() => collector.close());
    await collector.follow(42);
    await until(() => collector.following().length === 0, "the stream ended", 20_000);
    expect(seen.length).toBe(lines);
    expect(seen.every((us, i) => us === i)).toBe(true);
  });
});
