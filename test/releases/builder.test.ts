import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadProjectConfig } from "../../src/config/load.js";
import { SlipwayError } from "../../src/core/errors.js";
import { ReleaseBuilder, digestDirectory, releaseDirFor } from "../../src/releases/index.js";
import { openStore, type ReleaseStore } from "../../src/store/index.js";

const cleanups: Array<() => void> = [];
afterEach(() =>
  cleanups
    .splice(0)
    .reverse()
    .forEach((f) => f()),
);

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();
}

/** A project with one service `web` under services/web, slipway.yaml at the root. */
function project(options: {
  build?: string;
  env?: Record<string, string>;
  buildTimeout?: string;
  git?: boolean;
}) {
  const dir = tempDir("slipway-release-project-");
  const service = ["  web:", "    path: services/web", "    start: node server.js"];
  if (options.build !== undefined) service.push(`    build: ${JSON.stringify(options.build)}`);
  if (options.buildTimeout !== undefined) service.push(`    buildTimeout: ${options.buildTimeout}`);
  if (options.env) service.push(`    env: ${JSON.stringify(options.env)}`);
  writeFileSync(
    join(dir, "slipway.yaml"),
    ["project: { name: shop }", "services:", ...service, ""].join("\n"),
  );
  mkdirSync(join(dir, "services", "web", "lib"), { recursive: true });
  writeFileSync(join(dir, "services", "web", "server.js"), "console.log('v1')\n");
  writeFileSync(join(dir, "services", "web", "lib", "util.js"), "export const x = 1;\n");
  writeFileSync(join(dir, "README.md"), "not part of the service\n");
  if (options.git !== false) {
    git(dir, "init", "-q", "-b", "main");
    git(dir, "add", ".");
    git(dir, "commit", "-q", "-m", "v1");
  }
  return dir;
}

async function store(dataDir: string): Promise<{ releases: ReleaseStore }> {
  const state = await openStore(join(dataDir, "slipway.db"));
  cleanups.push(() => void state.close());
  return { releases: state.releases };
}

/** "gone" once the process has exited (a zombie waiting for its reaper counts as gone). */
function processState(pid: number): "alive" | "gone" {
  try {
    process.kill(pid, 0);
  } catch {
    return "gone";
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; Z = exited, not yet reaped.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z") ? "gone" : "alive";
  } catch {
    return "gone";
  }
}

async function rejection(promise: Promise<unknown>): Promise<SlipwayError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SlipwayError);
    return error as SlipwayError;
  }
  throw new Error("expected a rejection");
}

describe("ReleaseBuilder.ensure", () => {
  it("exports the service's committed files at HEAD, builds them and records the release", async () => {
    const dir = project({
      build: "echo building $SLIPWAY_SERVICE $SLIPWAY_VERSION; cat server.js > built.txt",
    });
    // Uncommitted edits are not part of a release: it is what the ref says.
    writeFileSync(join(dir, "services", "web", "server.js"), "console.log('dirty')\n");
    const dataDir = join(dir, ".slipway");
    const { releases } = await store(dataDir);
    const builder = new ReleaseBuilder({
      store: releases,
      dataDir,
      now: () => Date.parse("2026-11-25T12:00:00Z"),
    });

    const release = await builder.ensure({ service: "web", version: "v1", projectDir: dir });

    const head = git(dir, "rev-parse", "HEAD");
    expect(release).toMatchObject({
      service: "web",
      version: "v1",
      ref: "HEAD",
      commit: head,
      status: "built",
      dir: join(dataDir, "releases", "web", "v1"),
      buildLog: join(dataDir, "releases", "web", "v1.build.log"),
      createdAt: "2026-11-25T12:00:00.000Z",
    });
    expect(release.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(readFileSync(join(release.dir, "built.txt"), "utf8")).toBe("console.log('v1')\n");
    expect(readFileSync(join(release.dir, "lib", "util.js"), "utf8")).toBe("export const x = 1;\n");
    expect(existsSync(join(release.dir, "README.md"))).toBe(false);
    expect(existsSync(join(release.dir, "slipway.yaml"))).toBe(false);
    expect(readFileSync(release.buildLog, "utf8")).toContain("building web v1\n");
    expect(release.digest).toBe(await digestDirectory(release.dir));

    // The record is in the database, readable by another connection.
    const { releases: again } = await store(dataDir);
    expect(await again.getRelease("web", "v1")).toEqual(release);
    expect(await again.listReleases("web")).toEqual([release]);
  });

  it("returns an existing release without exporting or building again", async () => {
    const dataDir = tempDir("slipway-release-data-");
    const marker = join(dataDir, "builds.txt");
    const dir = project({ build: `echo build >> ${marker}` });
    const { releases } = await store(dataDir);
    const builder = new ReleaseBuilder({ store: releases, dataDir });

    const first = await builder.ensure({ service: "web", version: "v1", projectDir: dir });
    writeFileSync(join(first.dir, "left-by-the-runtime.txt"), "x");
    git(dir, "commit", "-q", "--allow-empty", "-m", "later");
    const second = await builder.ensure({ service: "web", version: "v1", projectDir: dir });

    expect(second).toEqual(first);
    expect(readFileSync(marker, "utf8")).toBe("build\n");
    expect(existsSync(join(first.dir, "left-by-the-runtime.txt"))).toBe(true);
  });

  it("shares one build between concurrent requests for the same version", async () => {
    const dataDir = tempDir("slipway-release-data-");
    const marker = join(dataDir, "builds.txt");
    const dir = project({ build: `sleep 0.3; echo build >> ${marker}` });
    const builder = new ReleaseBuilder({ store: (await store(dataDir)).releases, dataDir });
    const [a, b] = await Promise.all([
      builder.ensure({ service: "web", version: "v1", projectDir: dir }),
      builder.ensure({ service: "web", version: "v1", projectDir: dir }),
    ]);
    expect(a).toEqual(b);
    expect(readFileSync(marker, "utf8")).toBe("build\n");
  });

  it("builds from the ref it is given, and refuses the same version from another commit", async () => {
    const dir = project({});
    git(dir, "tag", "v1.0.0");
    const v1Commit = git(dir, "rev-parse", "HEAD");
    writeFileSync(join(dir, "services", "web", "server.js"), "console.log('v2')\n");
    git(dir, "commit", "-q", "-am", "v2");
    const dataDir = tempDir("slipway-release-data-");
    const builder = new ReleaseBuilder({ store: (await store(dataDir)).releases, dataDir });

    const old = await builder.ensure({ service: "web", version: "1.0.0", ref: "v1.0.0", projectDir: dir });
    expect(old).toMatchObject({ ref: "v1.0.0", commit: v1Commit, status: "built" });
    expect(readFileSync(join(old.dir, "server.js"), "utf8")).toBe("console.log('v1')\n");

    const current = await builder.ensure({ service: "web", version: "2.0.0", ref: "main", projectDir: dir });
    expect(readFileSync(join(current.dir, "server.js"), "utf8")).toBe("console.log('v2')\n");
    expect(current.digest).not.toBe(old.digest);

    // Same ref again: fine. Another commit under an existing version: refused.
    await expect(
      builder.ensure({ service: "web", version: "1.0.0", ref: v1Commit, projectDir: dir }),
    ).resolves.toEqual(old);
    const conflict = await rejection(
      builder.ensure({ service: "web", version: "1.0.0", ref: "main", projectDir: dir }),
    );
    expect(conflict.code).toBe("SLIPWAY_CONFLICT");
    expect(conflict.message).toBe(
      `web 1.0.0 was built from ${v1Commit.slice(0, 12)} (v1.0.0); main is ${git(dir, "rev-parse", "main").slice(0, 12)}: deploy it as a new version`,
    );
  });

  it("records a failed build, says why in one line, and builds again on the next attempt", async () => {
    const dataDir = tempDir("slipway-release-data-");
    const flag = join(dataDir, "dependency-available");
    const dir = project({
      build: `echo step one; if [ ! -f ${flag} ]; then echo "error: dependency missing" >&2; exit 3; fi; echo ok > out.txt`,
    });
    const { releases } = await store(dataDir);
    const builder = new ReleaseBuilder({ store: releases, dataDir });

    const error = await rejection(builder.ensure({ service: "web", version: "v7", projectDir: dir }));
    expect(error.code).toBe("SLIPWAY_BUILD_FAILED");
    expect(error.message).toBe("web v7: build failed (exit 3): error: dependency missing");
    const failed = (await releases.getRelease("web", "v7"))!;
    expect(failed).toMatchObject({
      status: "failed",
      exitCode: 3,
      digest: null,
      error: "build failed (exit 3): error: dependency missing",
    });
    const log = readFileSync(failed.buildLog, "utf8");
    expect(log).toContain("step one\n");
    expect(log).toContain("error: dependency missing\n");
    expect(log).toContain("# exit 3\n");

    writeFileSync(flag, "");
    const built = await builder.ensure({ service: "web", version: "v7", projectDir: dir });
    expect(built.status).toBe("built");
    expect(readFileSync(join(built.dir, "out.txt"), "utf8")).toBe("ok\n");
    expect(readFileSync(built.buildLog, "utf8")).not.toContain("# exit 3");
  });

  it("masks secrets in the build log and the error", async () => {
    const dir = project({
      build: 'echo "token is $API_TOKEN"; echo "extra $EXTRA"; echo "failed with $API_TOKEN" >&2; exit 1',
      env: { API_TOKEN: "tok-9f8e7d6c", PLAIN: "visible" },
    });
    const dataDir = tempDir("slipway-release-data-");
    const builder = new ReleaseBuilder({
      store: (await store(dataDir)).releases,
      dataDir,
      secrets: ["hunter2-extra"],
      baseEnv: { PATH: process.env.PATH, EXTRA: "hunter2-extra", SLIPWAY_TOKEN: "control-plane-token" },
    });
    const error = await rejection(builder.ensure({ service: "web", version: "v1", projectDir: dir }));
    expect(error.message).toBe("web v1: build failed (exit 1): failed with ***");
    const log = readFileSync(join(dataDir, "releases", "web", "v1.build.log"), "utf8");
    expect(log).toContain("token is ***\n");
    expect(log).toContain("extra ***\n");
    expect(log).not.toContain("tok-9f8e7d6c");
    expect(log).not.toContain("hunter2");
  });

  it("keeps the control plane's SLIPWAY_* variables out of the build", async () => {
    const dir = project({ build: 'echo "token=[$SLIPWAY_TOKEN] service=[$SLIPWAY_SERVICE]" > env.txt' });
    const dataDir = tempDir("slipway-release-data-");
    const builder = new ReleaseBuilder({
      store: (await store(dataDir)).releases,
      dataDir,
      baseEnv: { PATH: process.env.PATH, SLIPWAY_TOKEN: "control-plane-token" },
    });
    const release = await builder.ensure({ service: "web", version: "v1", projectDir: dir });
    expect(readFileSync(join(release.dir, "env.txt"), "utf8")).toBe("token=[] service=[web]\n");
  });

  it("stops a build that overruns its timeout, with whatever it started", async () => {
    const dataDir = tempDir("slipway-release-data-");
    const pidFile = join(dataDir, "child.pid");
    const dir = project({
      build: `sleep 60 & echo $! > ${pidFile}; echo waiting; wait`,
      buildTimeout: "500ms",
    });
    const builder = new ReleaseBuilder({ store: (await store(dataDir)).releases, dataDir });
    const error = await rejection(builder.ensure({ service: "web", version: "v1", projectDir: dir }));
    expect(error.message).toBe("web v1: build failed (timed out after 500ms): waiting");
    const pid = Number(readFileSync(pidFile, "utf8"));
    await expect.poll(() => processState(pid), { timeout: 5000 }).toBe("gone");
  });

  it("kills what a successful build left running in the background", async () => {
    const dataDir = tempDir("slipway-release-data-");
    const pidFile = join(dataDir, "daemon.pid");
    const dir = project({ build: `sleep 60 > /dev/null 2>&1 & echo $! > ${pidFile}` });
    const builder = new ReleaseBuilder({ store: (await store(dataDir)).releases, dataDir });
    const release = await builder.ensure({ service: "web", version: "v1", projectDir: dir });
    expect(release.status).toBe("built");
    const pid = Number(readFileSync(pidFile, "utf8"));
    await expect.poll(() => processState(pid), { timeout: 5000 }).toBe("gone");
  });

  it("finds the service inside a repository whose root is above the project", async () => {
    const repo = tempDir("slipway-release-monorepo-");
    const dir = join(repo, "apps", "shop");
    mkdirSync(join(dir, "web"), { recursive: true });
    writeFileSync(
      join(dir, "slipway.yaml"),
      "project: { name: shop }\nservices:\n  web: { path: web, start: node server.js }\n",
    );
    writeFileSync(join(dir, "web", "server.js"), "// shop web\n");
    writeFileSync(join(repo, "unrelated.txt"), "");
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "monorepo");
    const dataDir = tempDir("slipway-release-data-");
    const builder = new ReleaseBuilder({ store: (await store(dataDir)).releases, dataDir });
    const release = await builder.ensure({ service: "web", version: "v1", projectDir: dir });
    expect(release.commit).toBe(git(repo, "rev-parse", "HEAD"));
    expect(readFileSync(join(release.dir, "server.js"), "utf8")).toBe("// shop web\n");
    expect(existsSync(join(release.dir, "unrelated.txt"))).toBe(false);
  });

  it("copies the working tree when the project is not a git repository, leaving the data directory out", async () => {
    const dir = project({ git: false });
    // The service at the project root, with the data directory inside it.
    writeFileSync(
      join(dir, "slipway.yaml"),
      "project: { name: shop }\nservices:\n  site: { start: node services/web/server.js }\n",
    );
    const dataDir = join(dir, ".slipway");
    const builder = new ReleaseBuilder({ store: (await store(dataDir)).releases, dataDir });
    const release = await builder.ensure({ service: "site", version: "0.1.0", projectDir: dir });
    expect(release).toMatchObject({ ref: "working-tree", commit: null, status: "built" });
    expect(readFileSync(join(release.dir, "services", "web", "server.js"), "utf8")).toBe(
      "console.log('v1')\n",
    );
    expect(readFileSync(join(release.dir, "README.md"), "utf8")).toBe("not part of the service\n");
    expect(existsSync(join(release.dir, ".slipway"))).toBe(false);

    const error = await rejection(
      builder.ensure({ service: "site", version: "0.2.0", ref: "main", projectDir: dir }),
    );
    expect(error.code).toBe("SLIPWAY_INVALID_ARGUMENT");
    expect(error.message).toBe(`--ref main needs a git repository, and ${dir} is not one`);
  });

  it("refuses unknown refs, services and unsafe versions", async () => {
    const dir = project({});
    const dataDir = tempDir("slipway-release-data-");
    const { releases } = await store(dataDir);
    const builder = new ReleaseBuilder({ store: releases, dataDir });

    const noRef = await rejection(
      builder.ensure({ service: "web", version: "v1", ref: "no-such-branch", projectDir: dir }),
    );
    expect(noRef.code).toBe("SLIPWAY_NOT_FOUND");
    expect(noRef.message).toMatch(/^git ref 'no-such-branch' does not name a commit in /);
    expect(await releases.getRelease("web", "v1")).toMatchObject({ status: "failed" });

    const noService = await rejection(builder.ensure({ service: "api", version: "v1", projectDir: dir }));
    expect(noService.message).toBe("no service 'api' in slipway.yaml (services: web)");

    for (const version of ["../evil", "v1/2", "", "-rf"]) {
      const bad = await rejection(builder.ensure({ service: "web", version, projectDir: dir }));
      expect(bad.code).toBe("SLIPWAY_INVALID_ARGUMENT");
    }
    expect(existsSync(join(dataDir, "evil"))).toBe(false);
  });
});

describe("digestDirectory", () => {
  it("depends on paths, contents and the executable bit, not on where the tree is", async () => {
    const make = (content: string) => {
      const dir = tempDir("slipway-digest-");
      mkdirSync(join(dir, "b"));
      writeFileSync(join(dir, "a.txt"), content);
      writeFileSync(join(dir, "b", "c.sh"), "echo hi\n", { mode: 0o755 });
      return dir;
    };
    const one = await digestDirectory(make("same"));
    expect(await digestDirectory(make("same"))).toBe(one);
    expect(await digestDirectory(make("other"))).not.toBe(one);
    const notExecutable = make("same");
    execFileSync("chmod", ["-x", join(notExecutable, "b", "c.sh")]);
    expect(await digestDirectory(notExecutable)).not.toBe(one);
  });
});

describe("releaseDirFor", () => {
  it("answers the built release's directory for the rollout controller", async () => {
    const dir = project({ build: "echo built > marker.txt" });
    const dataDir = tempDir("slipway-release-data-");
    const builder = new ReleaseBuilder({ store: (await store(dataDir)).releases, dataDir });
    const releaseDir = await releaseDirFor(builder, dir)(
      { service: "web", version: "v5" },
      loadProjectConfig(dir),
    );
    expect(releaseDir).toBe(join(dataDir, "releases", "web", "v5"));
    expect(readFileSync(join(releaseDir, "marker.txt"), "utf8")).toBe("built\n");
  });
});
