import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createUser, issueApiToken } from "../../src/auth/accounts.js";
import { nextAction } from "../../src/core/rollout/next-action.js";
import type { Rollout, Transition } from "../../src/core/rollout/types.js";
import { newRollout } from "../../src/store/contract/rollout.contract.js";
import { openStore, type Store } from "../../src/store/index.js";
import { postgresStores } from "../../src/store/postgres/test-support.js";
import { runCli } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "slipway-backup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const postgres = postgresStores("backup");
let n = 0;
const sqlite = () => Promise.resolve(join(dir, `state-${n++}.db`));
const kinds = { sqlite, postgres: () => postgres.freshUrl() };

const ready = {
  candidate: { desired: 1, ready: 1, crashed: 0, restarts: 0, consecutiveHealthFailures: 0 },
  candidateSamples: [],
  stableSamples: [],
};

/** State of every kind: promoted and running rollouts with events, a run with logs, tokens, users, flags, a release. */
async function populate(store: Store): Promise<void> {
  let r: Rollout = await store.rollouts.createRollout(newRollout("v1"));
  for (let t = 1; r.phase !== "promoted"; t++)
    r = await store.rollouts.commitTransition(
      r.id,
      nextAction(r, ready, r.createdAt + t) as Transition,
      "ctl",
    );
  await store.rollouts.createRollout(newRollout("v2", "v1"));
  await store.rollouts.createRollout(newRollout("v1", undefined, "api"));
  await store.rollouts.nextGeneration(41);
  const run = await store.runs.startRun({
    workflow: "ci",
    workflowFile: "ci.yml",
    event: "push",
    ref: "refs/heads/main",
    sha: "a".repeat(40),
    startedAt: "2026-12-06T10:00:00.000Z",
  });
  await store.runs.appendLogs(run.runId, "test", "test", [
    { step: "Run npm test", level: "info", text: "ok 1" },
    { step: "Run npm test", level: "error", text: "not ok 2" },
  ]);
  await store.runs.startRun({
    workflow: "ci",
    workflowFile: "ci.yml",
    event: "push",
    ref: "refs/heads/main",
    sha: "b".repeat(40),
    startedAt: "2026-12-06T10:05:00.000Z",
  });
  const now = Date.now();
  await issueApiToken(store.access, { name: "ci", role: "deployer", createdBy: "admin", now });
  await issueApiToken(store.access, { name: "bot", role: "viewer", createdBy: "admin", now: now + 1 });
  await createUser(store.access, {
    name: "alice",
    password: "a long passphrase",
    role: "admin",
    now,
    scrypt: { N: 1024, r: 8, p: 1 },
  });
  await store.audit.record({
    actor: "alice",
    actorName: "alice",
    action: "deploy",
    method: "POST",
    path: "/api/deploy",
    status: 202,
  });
  await store.flags.write({
    key: "checkout",
    after: { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on" },
    actor: "alice",
    reason: "launch",
    at: "2026-12-06T10:00:00.000Z",
  });
  for (const version of ["1.3.0", "1.4.0"])
    await store.assets.addVersion({
      manifest: {
        name: "widget",
        version,
        digest: `sha256-${version}`,
        files: [
          {
            path: "w.js",
            size: 1,
            integrity: `sha384-${version}`,
            contentType: "text/javascript",
            encodings: ["identity"],
          },
        ],
      },
      publishedAt: "2026-12-06T10:00:00.000Z",
      publishedBy: "ci",
    });
  for (const version of ["1.3.0", "1.4.0"])
    await store.assets.moveAlias({
      name: "widget",
      alias: "stable",
      toVersion: version,
      action: "move",
      actor: "alice",
      reason: `ship ${version}`,
      at: "2026-12-06T10:01:00.000Z",
    });
  await store.releases.saveRelease({
    service: "web",
    version: "v1",
    ref: "HEAD",
    commit: "c".repeat(40),
    digest: null,
    status: "built",
    dir: "/srv/releases/web/v1",
    buildLog: "/srv/releases/web/v1.log",
    createdAt: "2026-12-06T09:00:00.000Z",
    tag: "web@1.0.0",
    notes: "## 1.0.0 (2026-12-06)\n\n### Features\n\n* cart (ccccccc)\n",
    promotedFrom: "1.0.0-rc.1",
  });
}

/** Everything a user can read back, through the ports. */
async function readAll(store: Store) {
  const runs = await store.runs.listRuns();
  return {
    rollouts: await store.rollouts.list({ limit: 1000 }),
    unfinished: (await store.rollouts.unfinished()).map((r) => r.id),
    events: await store.rollouts.events({ limit: 1000 }),
    traffic: await store.rollouts.allTraffic(),
    runs,
    logs: await Promise.all(runs.map((r) => store.runs.getLogs(r.runId))),
    tokens: await store.access.listTokens(),
    users: await store.access.listUsers(),
    flags: await store.flags.list(),
    flagHistory: await store.flags.history("checkout"),
    releases: await store.releases.listReleases(),
    assetVersions: await store.assets.listVersions("widget"),
    aliases: await store.assets.listAliases(),
    aliasHistory: await store.assets.aliasHistory("widget", "stable"),
    spec: await store.rollouts.revisionSpec("web/production@v2"),
  };
}

describe.each([
  ["sqlite", "sqlite"],
  ["postgres", "postgres"],
  ["sqlite", "postgres"],
  ["postgres", "sqlite"],
] as const)("slipway backup from %s, restore into %s", (from, to) => {
  it("restores every rollout, event, run, token, user, flag and release; refuses a non-empty target", async () => {
    const source = await kinds[from]();
    const target = await kinds[to]();
    const file = join(dir, `backup-${from}-${to}.jsonl`);
    const store = await openStore(source);
    await populate(store);
    const before = await readAll(store);
    await store.close();

    const backup = await runCli(["backup", "--database", source, "--out", file]);
    expect(backup.stderr).toBe("");
    expect(backup.stdout).toMatch(/^backed up .* rows\) to /);
    const restore = await runCli(["restore", file, "--database", target]);
    expect(restore.stderr).toBe("");
    expect(restore.code).toBe(0);

    const restored = await openStore(target);
    const after = await readAll(restored);
    expect(after).toEqual(before);
    expect(after.rollouts).toHaveLength(3);
    expect(after.tokens).toHaveLength(2);
    // The restored store keeps going: new keys follow the restored ones.
    expect((await restored.rollouts.createRollout(newRollout("v1", undefined, "worker"))).id).toBe("r-4");
    expect((await restored.runs.startRun({ ...after.runs[0]!, workflowFile: "ci.yml" })).runNumber).toBe(3);
    expect(await restored.rollouts.nextGeneration(0)).toBe(42);
    await restored.close();

    const again = await runCli(["restore", file, "--database", target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/cannot restore into .*: it is not empty/);
  });
});
