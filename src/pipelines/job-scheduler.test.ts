import { describe, expect, it } from "vitest";
import { scheduleJobs } from "./job-scheduler.js";
import type { LoadedJob } from "./load.js";

const graph = (edges: Record<string, string[]>): LoadedJob[] =>
  Object.entries(edges).map(([id, needs]) => ({ id, needs }) as unknown as LoadedJob);

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("scheduleJobs", () => {
  it("starts each job once everything it needs has finished, the ready ones together", async () => {
    const jobs = graph({
      root: [],
      ...Object.fromEntries([1, 2, 3, 4].map((i) => [`j${i}`, ["root"]])),
      sink: ["j1", "j2", "j3", "j4"],
    });
    const events: string[] = [];
    let running = 0;
    let widest = 0;
    await scheduleJobs(jobs, async (job) => {
      events.push(`start ${job.id}`);
      widest = Math.max(widest, ++running);
      await tick();
      running--;
      events.push(`end ${job.id}`);
    });
    expect(events[0]).toBe("start root");
    expect(events[1]).toBe("end root");
    expect(events.slice(2, 6).sort()).toEqual(["start j1", "start j2", "start j3", "start j4"]);
    expect(events.at(-2)).toBe("start sink");
    expect(events.indexOf("start sink")).toBeGreaterThan(
      Math.max(...[1, 2, 3, 4].map((i) => events.indexOf(`end j${i}`))),
    );
    expect(widest).toBe(4);
  });

  it("fails with the first job that throws", async () => {
    const jobs = graph({ a: [], b: ["a"] });
    await expect(
      scheduleJobs(jobs, (job) =>
        job.id === "a" ? Promise.reject(new Error("a broke")) : Promise.resolve(),
      ),
    ).rejects.toThrow("a broke");
  });
});
