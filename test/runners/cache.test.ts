// Caches across runners: a job on one runner saves, a job on another (its own work directory,
// nothing local) restores from the server's store, which holds every runner's saves, as GitHub's
// cache service serves its runners.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunView } from "../../src/pipelines/runs/run-view.js";
import { startRunnersWorld, type RunnersWorld } from "./world.js";

const SAVE = `name: Save
on:
  workflow_dispatch:
    inputs:
      key: { required: true }
jobs:
  save:
    runs-on: [self-hosted, host-a]
    steps:
      - uses: actions/cache@v4
        with: { path: deps, key: "\${{ inputs.key }}" }
      - run: mkdir -p deps && echo "\${{ inputs.key }} saved in $(ip netns identify $$)" > deps/what
`;

/** Every restore prints `<name> hit=<cache-hit> matched=<cache-matched-key> <what it restored>`. */
const RESTORE = `name: Restore
on: workflow_dispatch
jobs:
  restore:
    runs-on: [self-hosted, host-b]
    steps:
      - uses: actions/cache@v4
        id: exact
        with: { path: deps, key: deps-one }
      - run: echo "exact hit=\${{ steps.exact.outputs.cache-hit }} matched=\${{ steps.exact.outputs.cache-matched-key }} $(cat deps/what)" && rm -rf deps
      - uses: actions/cache/restore@v4
        id: prefix
        with: { path: deps, key: deps-three, restore-keys: "nothing-\\ndeps-" }
      - run: echo "prefix hit=\${{ steps.prefix.outputs.cache-hit }} matched=\${{ steps.prefix.outputs.cache-matched-key }} $(cat deps/what)" && rm -rf deps
      - uses: actions/cache/restore@v4
        id: other-paths
        with: { path: elsewhere, key: deps-one }
      - run: echo "other-paths hit=\${{ steps.other-paths.outputs.cache-hit }} matched=[\${{ steps.other-paths.outputs.cache-matched-key }}]"
      - run: mkdir -p own && echo "saved by this job" > own/what
      - uses: actions/cache/save@v4
        with: { path: own, key: "own-\${{ github.run_id }}" }
      - run: rm -rf own
      - uses: actions/cache/restore@v4
        id: own
        with: { path: own, key: "own-\${{ github.run_id }}" }
      - run: echo "own hit=\${{ steps.own.outputs.cache-hit }} $(cat own/what)"
`;

let w: RunnersWorld | undefined;
const world = (): RunnersWorld => {
  if (!w) throw new Error("the world did not start");
  return w;
};

beforeAll(async () => {
  w = await startRunnersWorld({
    workflows: { "save.yml": SAVE, "restore.yml": RESTORE },
    runners: 2,
    labels: [["host-a"], ["host-b"]],
  });
}, 120_000);

afterAll(async () => {
  await w?.close();
}, 60_000);

async function run(
  workflow: string,
  inputs?: Record<string, string>,
): Promise<{ run: RunView; lines: string[] }> {
  const started = await world().api<{ run: RunView }>("POST", "/api/runs", {
    workflow,
    ...(inputs ? { inputs } : {}),
  });
  expect(started.status).toBe(202);
  const done = await world().waitRun(started.json.run.runId);
  const { json } = await world().api<{ jobs: { lines: { text: string }[] }[] }>(
    "GET",
    `/api/runs/${done.runId}/logs`,
  );
  return { run: done, lines: json.jobs.flatMap((job) => job.lines.map((line) => line.text)) };
}

const serverCache = (): string => join(world().dir, ".slipway", "cache");

describe("actions/cache on runners restores from the server's store", () => {
  it("a job on runner B restores what runner A saved: by exact key, and by restore-key prefix (newest)", async () => {
    const [a] = world().namespaces;
    for (const key of ["deps-one", "deps-two"]) {
      const saved = await run("save.yml", { key });
      expect(saved.run.conclusion).toBe("success");
    }
    // Runner B has nothing of its own: its work directory holds no cache.
    const copies = join(world().runners[1]!.workDir, "cache");
    expect(existsSync(copies)).toBe(false);

    const restored = await run("restore.yml");
    expect(restored.run.conclusion).toBe("success");
    const said = (name: string) => restored.lines.find((line) => line.startsWith(`${name} hit=`));
    expect(said("exact")).toBe(`exact hit=true matched=deps-one deps-one saved in ${a!.name}`);
    expect(said("prefix")).toBe(`prefix hit=false matched=deps-two deps-two saved in ${a!.name}`);
    expect(said("other-paths")).toBe("other-paths hit=false matched=[]");
    // A restore later in the job finds what the job saved (its upload comes after the job).
    expect(said("own")).toBe("own hit=true saved by this job");
    expect(restored.lines.some((line) => line.includes("Cannot restore from the server's cache"))).toBe(
      false,
    );

    // Runner B kept copies of the two entries it fetched, as the server's records describe them
    // (and, once it is done with the job, the entry the job saved).
    const records = (dir: string) =>
      readdirSync(dir)
        .filter((name) => name.endsWith(".json"))
        .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as { key: string; sha256: string })
        .map(({ key, sha256 }) => ({ key, sha256 }))
        .filter(({ key }) => key.startsWith("deps-"))
        .sort((x, y) => x.key.localeCompare(y.key));
    expect(records(copies)).toEqual(records(serverCache()));
    expect(records(copies)).toEqual([
      { key: "deps-one", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown },
      { key: "deps-two", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown },
    ]);
  }, 180_000);

  it("restores the same entry again from the runner's copy, without downloading its archive", async () => {
    // The server keeps the records but loses the archives: a download would fail (and warn).
    for (const name of readdirSync(serverCache()))
      if (name.includes(".tar.")) rmSync(join(serverCache(), name));
    const again = await run("restore.yml");
    expect(again.run.conclusion).toBe("success");
    expect(again.lines.filter((line) => / hit=/.test(line))).toEqual([
      `exact hit=true matched=deps-one deps-one saved in ${world().namespaces[0]!.name}`,
      `prefix hit=false matched=deps-two deps-two saved in ${world().namespaces[0]!.name}`,
      "other-paths hit=false matched=[]",
      "own hit=true saved by this job",
    ]);
    expect(again.lines.some((line) => line.includes("Cannot restore from the server's cache"))).toBe(false);
  }, 120_000);

  it("answers a bad cache request with 400 and its reason, and an id that is no entry id never as a path", async () => {
    const { runnerToken, server } = world();
    const post = (path: string, body?: unknown) =>
      fetch(`${server.apiUrl}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${runnerToken}`, "content-type": "application/json" },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const lookup = await post("/api/runner/jobs/j-1/cache/lookup", {
      key: "a,b",
      restoreKeys: [],
      version: "0".repeat(16),
    });
    expect(lookup.status).toBe(400);
    expect(await lookup.text()).toContain("a cache key cannot contain commas");
    const traversal = await post(
      `/api/runner/jobs/j-1/cache/entries/${encodeURIComponent("../../slipway.yaml")}`,
    );
    expect(traversal.status).toBe(400);
    expect(await traversal.text()).toContain("a cache entry id is 32 hex digits");
    // A well-formed id of a job this runner does not hold: the job is unknown, nothing is sent.
    const foreign = await post(`/api/runner/jobs/j-1/cache/entries/${"0".repeat(32)}`);
    expect(foreign.status).toBe(404);
  });
});
