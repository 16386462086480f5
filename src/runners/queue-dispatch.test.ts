import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobResult, LogLine, RunEvent } from "../core/workflow/model.js";
import type { JobInstance, RunScope } from "../pipelines/run-scope.js";
import { createTestDatabase } from "../store/postgres/test-support.js";
import { QueueDispatch } from "./queue-dispatch.js";

// The queue adapter on a real PostgreSQL database (pg-boss), without HTTP: what a runner's calls do.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let queue: QueueDispatch;

beforeAll(async () => {
  database = await createTestDatabase("queue_dispatch");
  queue = await QueueDispatch.start({ databaseUrl: database.url, heartbeatMs: 100, lostAfterMs: 600 });
}, 60_000);

afterAll(async () => {
  await queue?.close();
  await database?.drop();
}, 30_000);

/** A run's scope and one job of it, recording what the queue emits and stores. */
function job(key: string, signal = new AbortController().signal) {
  const events: RunEvent[] = [];
  const stored: LogLine[] = [];
  const scope = {
    runId: "41",
    runNumber: 3,
    repoRoot: "/repo",
    dataDir: "/data",
    workflow: { file: ".github/workflows/ci.yml" },
    github: { sha: "a".repeat(40), event: {} },
    inputs: {},
    vars: {},
    secrets: { TOKEN: "s3cret" },
    baseSha: undefined,
    emit: (event: RunEvent) => events.push(event),
    storeLogs: (_key: string, _id: string, lines: readonly LogLine[]) => {
      stored.push(...lines);
      return Promise.resolve();
    },
  } as unknown as RunScope;
  const instance: JobInstance = {
    job: { id: key } as JobInstance["job"],
    key,
    name: key,
    matrix: null,
    strategy: {},
    needs: {},
    signal,
  };
  return { scope, instance, events, stored };
}

const result = (conclusion: JobResult["conclusion"]): JobResult => ({
  id: "forged",
  key: "forged",
  name: "forged",
  matrix: null,
  conclusion,
  outputs: { out: "1" },
  steps: [],
  durationMs: 5,
});

describe("QueueDispatch (pg-boss)", () => {
  it("gives a job to a runner with its labels only, takes its beats and its result", async () => {
    const build = job("build");
    const done = queue.run(build.scope, build.instance, ["self-hosted", "gpu"]);
    expect(await queue.claim("r/cpu", ["self-hosted", "linux"], 0)).toBeUndefined();
    const spec = await queue.claim("r/gpu", ["self-hosted", "gpu", "linux"], 5_000);
    expect(spec).toMatchObject({ jobId: "build", runId: "41", secrets: { TOKEN: "s3cret" }, heartbeatMs: 100 });
    const id = spec?.id ?? "";
    const line: LogLine = { step: "Run", text: "hello", level: "info" };
    expect(await queue.heartbeat(id, "r/gpu", { events: [{ type: "log", key: "build", line }], stored: [line] })).toEqual({
      cancel: false,
    });
    await expect(queue.heartbeat(id, "r/other", { events: [], stored: [] })).rejects.toMatchObject({ code: "SLIPWAY_CONFLICT" });
    await queue.finish(id, "r/gpu", result("success"));
    // Which job it was is the server's to say, not the runner's.
    expect(await done).toMatchObject({ id: "build", key: "build", conclusion: "success", outputs: { out: "1" } });
    expect(build.events).toEqual([{ type: "log", key: "build", line }]);
    expect(build.stored).toEqual([line]);
    await expect(queue.heartbeat(id, "r/gpu", { events: [], stored: [] })).rejects.toMatchObject({ code: "SLIPWAY_NOT_FOUND" });
  });

  it("fails the job of a runner that stops beating, saying so", async () => {
    const test = job("test");
    const done = queue.run(test.scope, test.instance, ["self-hosted"]);
    const spec = await queue.claim("r/dies", ["self-hosted"], 5_000);
    const failed = await done;
    expect(failed.conclusion).toBe("failure");
    expect(failed.reason).toMatch(/^runner r\/dies lost: no heartbeat for \d+(\.\d+)?s$/);
    expect(test.stored.map((l) => l.text)).toEqual([`Error: ${failed.reason}`]);
    await expect(queue.finish(spec?.id ?? "", "r/dies", result("success"))).rejects.toMatchObject({
      code: "SLIPWAY_NOT_FOUND",
    });
  });

  it("withdraws a job cancelled before a runner took it; a taken one learns it on its next beat", async () => {
    const early = new AbortController();
    const queued = job("early", early.signal);
    const first = queue.run(queued.scope, queued.instance, ["self-hosted", "early"]);
    early.abort();
    expect((await first).conclusion).toBe("cancelled");
    expect(await queue.claim("r/a", ["self-hosted", "early"], 300)).toBeUndefined();

    const late = new AbortController();
    const taken = job("late", late.signal);
    const second = queue.run(taken.scope, taken.instance, ["self-hosted", "late"]);
    const spec = await queue.claim("r/a", ["self-hosted", "late"], 5_000);
    late.abort();
    expect(await queue.heartbeat(spec?.id ?? "", "r/a", { events: [], stored: [] })).toEqual({ cancel: true });
    await queue.finish(spec?.id ?? "", "r/a", result("cancelled"));
    expect((await second).conclusion).toBe("cancelled");
  });
});

describe("QueueDispatch without its database", () => {
  it("fails a job it cannot queue, with the reason, rather than throwing", async () => {
    const gone = await createTestDatabase("queue_gone");
    const lonely = await QueueDispatch.start({ databaseUrl: gone.url });
    try {
      await gone.drop();
      const orphan = job("orphan");
      const outcome = await lonely.run(orphan.scope, orphan.instance, ["self-hosted"]);
      expect(outcome.conclusion).toBe("failure");
      expect(outcome.reason).toMatch(/^the job queue is unavailable: /);
      expect(orphan.events.map((e) => e.type)).toEqual(["log", "job-finished"]);
    } finally {
      await lonely.close().catch(() => undefined);
    }
  }, 30_000);
});
