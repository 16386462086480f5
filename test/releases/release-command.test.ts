import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// `slipway release` through the built CLI (`npm run build` first) on real git repositories.
const BIN = join(import.meta.dirname, "..", "..", "bin", "slipway.js");
const IDENTITY = {
  GIT_AUTHOR_NAME: "Release Test",
  GIT_AUTHOR_EMAIL: "release@example.com",
  GIT_COMMITTER_NAME: "Release Test",
  GIT_COMMITTER_EMAIL: "release@example.com",
};
const ENV: NodeJS.ProcessEnv = { ...process.env, ...IDENTITY, NO_COLOR: "1" };
delete ENV.SLIPWAY_DATABASE;

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "slipway-release-cmd-"));
  dirs.push(dir);
  return dir;
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: ENV }).trim();

function slipway(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: "utf8",
    env: ENV,
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `slipway release --json`'s document. */
function released(cwd: string, ...args: string[]): Record<string, unknown> {
  const result = slipway(cwd, "release", ...args, "--json");
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

function write(dir: string, file: string, text: string): void {
  mkdirSync(join(dir, file, ".."), { recursive: true });
  writeFileSync(join(dir, file), text);
}

/** Changes `file` and commits it with `message`; returns the commit's SHA. */
function commit(dir: string, file: string, message: string): string {
  const path = join(dir, file);
  write(dir, file, `${existsSync(path) ? readFileSync(path, "utf8") : ""}${message}\n`);
  git(dir, "add", file);
  git(dir, "commit", "-q", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

function repo(): string {
  const dir = tempDir();
  git(dir, "init", "-q", "-b", "main");
  write(dir, ".gitignore", ".slipway/\n");
  git(dir, "add", ".gitignore");
  git(dir, "commit", "-q", "-m", "chore: start");
  return dir;
}

/** Two services of slipway.yaml; web's build appends a line to builds.log outside the repository. */
function monorepo(): { dir: string; builds: string } {
  const dir = repo();
  const builds = join(tempDir(), "builds.log");
  write(
    dir,
    "slipway.yaml",
    [
      "project: { name: shop }",
      "services:",
      `  web: { path: services/web, start: node server.js, build: ${JSON.stringify(`echo built >> ${builds} && echo ok > out.txt`)}, routes: [{ pathPrefix: /web }] }`,
      "  api: { path: services/api, start: node server.js, routes: [{ pathPrefix: /api }] }",
      "",
    ].join("\n"),
  );
  write(dir, "services/web/server.js", "");
  write(dir, "services/api/server.js", "");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "chore: two services");
  return { dir, builds };
}

const tags = (dir: string) => git(dir, "tag", "--list").split("\n").filter(Boolean).sort();

describe("slipway release: the repository's line (vX.Y.Z)", () => {
  it("bumps patch for fix and perf, minor for feat, major for a breaking change, and keeps the CHANGELOG's history", () => {
    const dir = repo();
    git(dir, "remote", "add", "origin", "https://github.com/acme/shop.git");
    write(dir, "CHANGELOG.md", "# Changelog\n\nHand-written history.\n\n## 0.9.0\n\n* the old days\n");
    git(dir, "add", "CHANGELOG.md");
    git(dir, "commit", "-q", "-m", "docs: changelog");
    git(dir, "tag", "v0.9.0");

    const fix = commit(dir, "app.js", "fix(api): round prices");
    const first = released(dir);
    expect(first).toMatchObject({
      released: true,
      kind: "release",
      version: "0.9.1",
      previous: "0.9.0",
      bump: "patch",
      tag: "v0.9.1",
      changelog: "CHANGELOG.md",
    });
    commit(dir, "app.js", "perf: cache the catalogue");
    expect(released(dir)).toMatchObject({ version: "0.9.2", bump: "patch" });
    const feat = commit(dir, "app.js", "feat(cart): keep items");
    commit(dir, "app.js", "docs: explain");
    expect(released(dir)).toMatchObject({ version: "0.10.0", bump: "minor" });
    // 0.x as release-please and semantic-release do it: a breaking change makes 1.0.0.
    const breaking = commit(dir, "app.js", "feat!: drop the v1 API\n\nBREAKING CHANGE: clients call /v2");
    expect(released(dir)).toMatchObject({ version: "1.0.0", bump: "major" });

    expect(tags(dir)).toEqual(["v0.9.0", "v0.9.1", "v0.9.2", "v0.10.0", "v1.0.0"].sort());
    // Annotated tags on the CHANGELOG commit, with the notes as their message.
    expect(git(dir, "cat-file", "-t", "v1.0.0")).toBe("tag");
    expect(git(dir, "rev-parse", "v1.0.0^{commit}")).toBe(git(dir, "rev-parse", "HEAD"));
    expect(git(dir, "log", "-1", "--format=%s")).toBe("chore(release): v1.0.0");
    expect(git(dir, "tag", "-l", "--format=%(contents)", "v1.0.0")).toContain("### ⚠ Breaking changes");

    const changelog = readFileSync(join(dir, "CHANGELOG.md"), "utf8");
    const link = (sha: string) => `[${sha.slice(0, 7)}](https://github.com/acme/shop/commit/${sha})`;
    expect(changelog).toContain(
      ["## [1.0.0](https://github.com/acme/shop/compare/v0.10.0...v1.0.0) (", ""][0],
    );
    expect(changelog).toContain(`### ⚠ Breaking changes\n\n* clients call /v2 (${link(breaking)})`);
    expect(changelog).toContain(`### Features\n\n* **cart:** keep items (${link(feat)})`);
    expect(changelog).toContain(`### Bug fixes\n\n* **api:** round prices (${link(fix)})`);
    expect(changelog).not.toContain("explain");
    // Newest first, the hand-written part kept below the title.
    const order = [
      "# Changelog",
      "Hand-written history.",
      "## [1.0.0]",
      "## [0.10.0]",
      "## [0.9.2]",
      "## [0.9.1]",
      "## 0.9.0",
      "* the old days",
    ];
    const at = order.map((s) => changelog.indexOf(s));
    expect(at.every((p) => p >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it("says there is nothing to release, exit 0, when no commit since the last tag asks for one", () => {
    const dir = repo();
    commit(dir, "app.js", "feat: first");
    expect(released(dir)).toMatchObject({ version: "1.0.0", previous: null });
    const head = git(dir, "rev-parse", "HEAD");
    commit(dir, "README.md", "docs: readme");
    commit(dir, "ci.yml", "ci: pipeline");
    const json = released(dir);
    expect(json).toMatchObject({
      released: false,
      kind: "nothing",
      reason: "no feat, fix, perf, revert or breaking commit since 1.0.0 (2 other)",
      tag: null,
    });
    const text = slipway(dir, "release");
    expect(text.status).toBe(0);
    expect(text.stdout).toBe(
      "nothing to release for repository: no feat, fix, perf, revert or breaking commit since 1.0.0 (2 other)\n",
    );
    expect(tags(dir)).toEqual(["v1.0.0"]);
    expect(git(dir, "rev-parse", "HEAD~2")).toBe(head);
  });

  it("reads an ssh remote for its links", () => {
    const dir = repo();
    git(dir, "remote", "add", "origin", "git@github.com:acme/widget.git");
    const sha = commit(dir, "w.js", "fix: load once");
    const json = released(dir, "--dry-run");
    expect(json.notes).toContain(`([${sha.slice(0, 7)}](https://github.com/acme/widget/commit/${sha}))`);
  });
});

describe("slipway release SERVICE in a monorepo", () => {
  it("versions each service from the commits change detection gives it, with SERVICE@X.Y.Z tags and its own CHANGELOG", () => {
    const { dir } = monorepo();
    const webFeat = commit(dir, "services/web/cart.js", "feat(web): cart");
    const apiFix = commit(dir, "services/api/prices.js", "fix(api): prices");
    commit(dir, "README.md", "feat: a feature outside every service");

    const web = released(dir, "web");
    expect(web).toMatchObject({ version: "1.0.0", tag: "web@1.0.0", changelog: "services/web/CHANGELOG.md" });
    const webShas = (web.commits as Array<{ sha: string }>).map((c) => c.sha);
    expect(webShas).toContain(webFeat);
    expect(webShas).not.toContain(apiFix);
    expect(web.notes).not.toContain("outside every service");
    expect((web.release as { status: string; tag: string; notes: string }).status).toBe("built");

    commit(dir, "services/api/more.js", "feat(api)!: new auth");
    const api = released(dir, "api");
    expect(api).toMatchObject({ version: "1.0.0", tag: "api@1.0.0", changelog: "services/api/CHANGELOG.md" });
    expect(api.notes).toContain("prices");
    expect(api.notes).not.toContain("cart");

    // web's release commit touched only web's CHANGELOG: nothing new for web.
    expect(released(dir, "web")).toMatchObject({
      released: false,
      reason: "no commits since 1.0.0",
    });
    commit(dir, "services/web/cart.js", "fix(web): empty cart");
    expect(released(dir, "web")).toMatchObject({ version: "1.0.1", previous: "1.0.0", tag: "web@1.0.1" });
    expect(tags(dir)).toEqual(["api@1.0.0", "web@1.0.0", "web@1.0.1"]);
    expect(readFileSync(join(dir, "services/web/CHANGELOG.md"), "utf8")).toMatch(
      /^# Changelog\n\n## 1\.0\.1 .*\n[\s\S]*## 1\.0\.0 /,
    );
    expect(existsSync(join(dir, "CHANGELOG.md"))).toBe(false);

    const listed = slipway(dir, "releases", "web", "--json");
    const records = (
      JSON.parse(listed.stdout) as { releases: Array<{ version: string; tag: string; notes: string }> }
    ).releases;
    expect(records.map((r) => [r.version, r.tag])).toEqual([
      ["1.0.1", "web@1.0.1"],
      ["1.0.0", "web@1.0.0"],
    ]);
    expect(records[0]?.notes).toContain("empty cart");
  });

  it("makes rc.N prereleases, then promotes the newest to the final version with the rc's build, not a new one", () => {
    const { dir, builds } = monorepo();
    git(dir, "tag", "-a", "web@1.3.0", "-m", "web@1.3.0");
    commit(dir, "services/web/cart.js", "feat(web): cart");
    expect(released(dir, "web", "--pre", "rc")).toMatchObject({
      version: "1.4.0-rc.1",
      tag: "web@1.4.0-rc.1",
      changelog: null,
    });
    // A prerelease has no CHANGELOG entry: its notes are in its tag and record.
    expect(existsSync(join(dir, "services/web/CHANGELOG.md"))).toBe(false);
    expect(released(dir, "web", "--pre", "rc")).toMatchObject({
      released: false,
      reason: "1.4.0-rc.1 already holds every change since 1.3.0",
    });
    commit(dir, "services/web/cart.js", "fix(web): cart total");
    const rc2 = released(dir, "web", "--pre", "rc");
    expect(rc2).toMatchObject({ version: "1.4.0-rc.2" });
    const rcRelease = rc2.release as { digest: string; dir: string; commit: string };
    expect(readFileSync(builds, "utf8")).toBe("built\nbuilt\n");

    const final = released(dir, "web");
    expect(final).toMatchObject({
      kind: "promote",
      version: "1.4.0",
      promotedFrom: "1.4.0-rc.2",
      tag: "web@1.4.0",
      previous: "1.3.0",
    });
    const record = final.release as {
      version: string;
      digest: string;
      dir: string;
      commit: string;
      promotedFrom: string;
      status: string;
    };
    expect(record).toMatchObject({
      version: "1.4.0",
      status: "built",
      promotedFrom: "1.4.0-rc.2",
      digest: rcRelease.digest,
      dir: rcRelease.dir,
      commit: rcRelease.commit,
    });
    expect(readFileSync(builds, "utf8")).toBe("built\nbuilt\n"); // no third build
    expect(git(dir, "rev-parse", "web@1.4.0-rc.2^{commit}")).toBe(rcRelease.commit);
    const changelog = readFileSync(join(dir, "services/web/CHANGELOG.md"), "utf8");
    expect(changelog).toContain("## 1.4.0 (");
    expect(changelog).toContain("Promoted from 1.4.0-rc.2 (same build).");
    expect(changelog).toContain("* **web:** cart (");
    expect(changelog).toContain("* **web:** cart total (");
    expect(changelog).not.toContain("## 1.4.0-rc");

    // A commit after an rc: the final version is that code, built on its own.
    commit(dir, "services/web/cart.js", "feat(web): wishlist");
    expect(released(dir, "web", "--pre", "rc")).toMatchObject({ version: "1.5.0-rc.1" });
    commit(dir, "services/web/cart.js", "fix(web): wishlist size");
    expect(released(dir, "web")).toMatchObject({ kind: "release", version: "1.5.0" });
    expect(readFileSync(builds, "utf8")).toBe("built\nbuilt\nbuilt\nbuilt\n");
  });

  it("--dry-run prints the version and notes and changes nothing: no file, commit, tag or database", () => {
    const { dir, builds } = monorepo();
    commit(dir, "services/web/cart.js", "feat(web): cart");
    const before = {
      head: git(dir, "rev-parse", "HEAD"),
      status: git(dir, "status", "--porcelain", "--ignored"),
    };
    const json = released(dir, "web", "--dry-run");
    expect(json).toMatchObject({
      released: false,
      dryRun: true,
      kind: "release",
      version: "1.0.0",
      tag: "web@1.0.0",
    });
    expect(json.notes).toContain("* **web:** cart (");
    const text = slipway(dir, "release", "web", "--pre", "rc", "--dry-run");
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("web (no version yet) → 1.0.0-rc.1");
    expect(text.stdout).toContain("dry run: nothing written");
    expect(tags(dir)).toEqual([]);
    expect({
      head: git(dir, "rev-parse", "HEAD"),
      status: git(dir, "status", "--porcelain", "--ignored"),
    }).toEqual(before);
    expect(existsSync(join(dir, ".slipway"))).toBe(false);
    expect(existsSync(builds)).toBe(false);
  });
});

describe("slipway release refuses what it cannot release, with one clear line", () => {
  it("a dirty tree (named), a detached HEAD, a repository without commits, no repository, an unknown service, a bad --pre", () => {
    const { dir } = monorepo();
    commit(dir, "services/web/cart.js", "feat(web): cart");
    write(dir, "services/web/cart.js", "edited\n");
    const dirty = slipway(dir, "release", "web");
    expect(dirty.status).toBe(1);
    expect(dirty.stderr).toBe(
      "slipway: uncommitted changes in services/web/cart.js: commit or stash them first (a release is made from commits)\n",
    );
    expect(tags(dir)).toEqual([]);
    expect(existsSync(join(dir, "services/web/CHANGELOG.md"))).toBe(false);
    // The dry run still answers, and says the real one would refuse.
    expect(slipway(dir, "release", "web", "--dry-run").stdout).toContain(
      "uncommitted changes (a real release refuses them): services/web/cart.js",
    );
    git(dir, "checkout", "-q", "--", ".");

    git(dir, "checkout", "-q", "--detach");
    const detached = slipway(dir, "release", "web");
    expect(detached.status).toBe(1);
    expect(detached.stderr).toMatch(
      /^slipway: HEAD is detached at [0-9a-f]{12}: check out the branch to release/,
    );
    git(dir, "checkout", "-q", "main");

    const unknown = slipway(dir, "release", "shop");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe(
      "slipway: unknown service 'shop' (services: web, api; from slipway.yaml or package.json workspaces)\n",
    );
    const both = slipway(dir, "release");
    expect(both.status).toBe(2);
    expect(both.stderr).toContain("declares 2 services (web, api): name the one to release");
    const pre = slipway(dir, "release", "web", "--pre", "rc.1");
    expect(pre.status).toBe(2);
    expect(pre.stderr).toContain("--pre \"rc.1\": expected letters, digits or '-'");

    const empty = tempDir();
    git(empty, "init", "-q", "-b", "main");
    const none = slipway(empty, "release");
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/has no commits yet: commit something to release\n$/);

    const outside = tempDir();
    const noRepo = slipway(outside, "release");
    expect(noRepo.status).toBe(2);
    expect(noRepo.stderr).toBe(`slipway: ${outside} is not inside a git repository\n`);
    expect(tags(dir)).toEqual([]);
  });
});

describe("slipway --help", () => {
  it("keeps release (cut a version) and releases (list builds) apart", () => {
    const help = slipway(tempDir(), "--help").stdout;
    expect(help).toMatch(/release \[options\] \[service\]\s+Cut the next version from Conventional Commits/);
    expect(help).toMatch(/releases \[options\] \[service\]\s+List recorded release builds/);
  });
});
