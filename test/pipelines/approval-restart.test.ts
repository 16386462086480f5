// Jobs waiting for an environment approval survive a server restart: the run is carried on by the
// next server process (a new RunManager on the reopened SQLite database), with the finished jobs'
// results and the votes cast so far.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RunManager } from "../../src/pipelines/runs/run-manager.js";
import { openStore, type Store } from "../../src/store/index.js";
import { makeRepo } from "./helpers.js";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const DEPLOY = `name: Deploy
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      artifact: \${{ steps.pack.outputs.artifact }}
    steps:
      - id: pack
        run: echo "artifact=app-$RANDOM" >> "$GITHUB_OUTPUT" && echo "build ran"
  ship:
    needs: build
    environment: production
    runs-on: ubuntu-latest
    steps:
      - run: echo "shipping \${{ needs.build.outputs.artifact }}"
`;

async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("condition never held");
}

describe("approvals across a server restart", () => {
  it("carries a run whose job waits for an approval on in the next server process", async () => {
    const target = makeRepo([], { ".github/workflows/deploy.yml": DEPLOY });
    cleanups.push(() => target.cleanup());
    const dataDir = mkdtempSync(join(tmpdir(), "slipway-approval-restart-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const dbPath = join(dataDir, "slipway.db");
    const rule = { approvers: [] as string[], expiryMs: 10 * 60_000 };
    const managerOn = (store: Store) =>
      new RunManager({
        dir: target.dir,
        dataDir,
        store: store.runs,
        environmentApproval: (environment) => (environment === "production" ? rule : undefined),
      });

    const firstStore = await openStore(dbPath);
    const first = managerOn(firstStore);
    const { runs } = await first.trigger({
      event: "workflow_dispatch",
      workflow: "deploy.yml",
      actor: "ada",
    });
    const runId = runs[0]?.runId ?? "";
    const waiting = await until(async () => {
      const view = await first.get(runId);
      return view?.jobs.find((job) => job.id === "ship")?.status === "waiting" ? view : undefined;
    });
    expect(waiting.jobs.find((job) => job.id === "build")).toMatchObject({ conclusion: "success" });
    const waitingView = waiting.jobs.find((job) => job.id === "ship");
    const expiresAt = (waitingView as { approval?: { expiresAt: string } }).approval?.expiresAt;

    // The server stops (SIGTERM) and its database closes.
    await first.stop();
    await firstStore.close();

    const secondStore = await openStore(dbPath);
    cleanups.push(() => secondStore.close());
    const second = managerOn(secondStore);
    cleanups.push(() => second.stop());
    // Nothing is marked interrupted: the run is carried on.
    expect(await second.markInterrupted()).toEqual([]);
    const resumed = await until(async () => {
      const view = await second.get(runId);
      return view?.jobs.find((job) => job.id === "ship")?.status === "waiting" ? view : undefined;
    });
    expect(resumed.status).toBe("running");
    // The request is the same one: same expiry, not a fresh 10 minutes.
    expect(resumed.jobs.find((job) => job.id === "ship")).toMatchObject({
      approval: { environment: "production", requestedBy: "ada", expiresAt },
    });
    // The requester still may not approve their own run.
    await expect(second.decide(runId, "ship", { id: "ada", name: "ada" }, "approve")).rejects.toThrow(
      /someone else must approve/,
    );
    await second.decide(runId, "ship", { id: "bob", name: "bob" }, "approve");
    const done = await until(async () => {
      const view = await second.get(runId);
      return view?.status === "completed" ? view : undefined;
    });
    expect(done.conclusion).toBe("success");
    expect(done.jobs.map((job) => [job.id, job.conclusion])).toEqual([
      ["build", "success"],
      ["ship", "success"],
    ]);
    // build ran once, before the restart, and its output reached ship after it.
    const lines = (await second.logs(runId)).flatMap((job) => job.lines.map((line) => line.text));
    expect(lines.filter((line) => line === "build ran")).toHaveLength(1);
    expect(lines.some((line) => /^shipping app-\d+$/.test(line))).toBe(true);
  }, 120_000);
});
