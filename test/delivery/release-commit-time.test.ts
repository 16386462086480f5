import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ReleaseBuilder } from "../../src/releases/index.js";
import { openStore } from "../../src/store/index.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function project(git: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "slipway-commit-time-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "slipway.yaml"),
    "project: { name: shop }\nservices:\n  web:\n    path: web\n    start: node server.js\n",
  );
  mkdirSync(join(dir, "web"));
  writeFileSync(join(dir, "web", "server.js"), "console.log('v1')\n");
  if (git) {
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
      GIT_AUTHOR_DATE: "2026-11-20T08:00:00+01:00",
      GIT_COMMITTER_DATE: "2026-11-21T09:30:00+01:00",
    };
    for (const args of [
      ["init", "-q", "-b", "main"],
      ["add", "."],
      ["commit", "-q", "-m", "v1"],
    ]) {
      execFileSync("git", args, { cwd: dir, env });
    }
  }
  return dir;
}

async function builder(dir: string) {
  const dataDir = join(dir, ".slipway");
  const state = await openStore(join(dataDir, "slipway.db"));
  cleanups.push(() => void state.close());
  const store = state.releases;
  return { store, builder: new ReleaseBuilder({ store, dataDir }) };
}

describe("a release records its commit's time (lead time starts there)", () => {
  it(
    "keeps git's committer date of the exported commit, through the store",
    { timeout: 30_000 },
    async () => {
      const dir = project(true);
      const { store, builder: b } = await builder(dir);
      const release = await b.ensure({ service: "web", version: "v1", projectDir: dir });
      expect(Date.parse(release.committedAt ?? "")).toBe(Date.parse("2026-11-21T08:30:00Z"));
      expect((await store.getRelease("web", "v1"))?.committedAt).toBe(release.committedAt);
    },
  );

  it("has none for a working-tree copy", { timeout: 30_000 }, async () => {
    const dir = project(false);
    const { store, builder: b } = await builder(dir);
    const release = await b.ensure({ service: "web", version: "v1", projectDir: dir });
    expect(release.commit).toBeNull();
    expect(release.committedAt).toBeUndefined();
    expect(await store.getRelease("web", "v1")).not.toHaveProperty("committedAt");
  });
});
