import { afterEach, describe, expect, it } from "vitest";
import { applyFilters, parseFilters, pathsFilterAction } from "./paths-filter.js";
import { commit, git, makeContext, tempDirs } from "./test-context.js";

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const FILTERS = `
shared: &shared
  - 'libs/**'
gateway:
  - *shared
  - 'gateway/**'
content: content/**
docs:
  - added|modified: 'docs/**'
`;

describe("parseFilters / applyFilters", () => {
  it("flattens anchors and lists, keeps change types", () => {
    const filters = parseFilters(FILTERS);
    expect(filters.map((f) => f.name)).toEqual(["shared", "gateway", "content", "docs"]);
    expect(filters[1]!.rules.map((r) => r.pattern)).toEqual(["libs/**", "gateway/**"]);
    expect(filters[3]!.rules[0]).toEqual({ pattern: "docs/**", statuses: ["added", "modified"] });
  });

  it("matches globs (dotfiles included) and honours change types and the every quantifier", () => {
    const filters = parseFilters(FILTERS);
    const matched = applyFilters(filters, [
      { path: "libs/.config/x", status: "modified" },
      { path: "docs/old.md", status: "deleted" },
      { path: "content/src/a.py", status: "added" },
    ]);
    expect(matched.get("gateway")!.map((c) => c.path)).toEqual(["libs/.config/x"]);
    expect(matched.get("content")).toHaveLength(1);
    expect(matched.get("docs")).toEqual([]);
    const every = applyFilters(
      parseFilters("ts:\n  - '**/*.ts'\n  - '!**/*.test.ts'"),
      [
        { path: "a.ts", status: "added" },
        { path: "a.test.ts", status: "added" },
      ],
      "every",
    );
    expect(every.get("ts")!.map((c) => c.path)).toEqual(["a.ts"]);
  });

  it("names the filter in errors", () => {
    expect(() => parseFilters("svc:\n  - renamed: 'x/**'")).toThrow(
      'filter svc: unknown change type "renamed"',
    );
    expect(() => parseFilters("- a")).toThrow(/expected a mapping/);
    expect(() => parseFilters("svc: 3")).toThrow("filter svc: expected a glob or a list of globs, got 3");
  });
});

function repo(): { root: string; first: string } {
  const root = dirs.make("slipway-pf-");
  git(root, "init", "-q", "-b", "main");
  const first = commit(root, { "gateway/a.js": "1", "content/a.py": "1", "libs/x.js": "1" }, "initial");
  return { root, first };
}

async function run(
  root: string,
  github: Partial<ReturnType<typeof makeContext>["github"]>,
  inputs: Record<string, string> = {},
) {
  const ctx = makeContext({
    workspace: root,
    dataDir: dirs.make(),
    inputs: { filters: FILTERS, ...inputs },
    github: {
      sha: git(root, "rev-parse", "HEAD"),
      ref: "refs/heads/main",
      eventName: "push",
      event: {},
      ...github,
    },
  });
  await pathsFilterAction.run(ctx);
  return ctx;
}

describe("dorny/paths-filter", { timeout: 60_000 }, () => {
  it("on a push to the base branch compares with the commit before the push", async () => {
    const { root, first } = repo();
    commit(root, { "content/a.py": "2" }, "content change");
    const ctx = await run(root, { event: { before: first } }, { "list-files": "json" });
    expect(ctx.outputs).toMatchObject({
      content: "true",
      gateway: "false",
      shared: "false",
      changes: '["content"]',
    });
    expect(ctx.outputs.content_files).toBe('["content/a.py"]');
    expect(ctx.outputs.content_count).toBe("1");
  });

  it("on a feature branch compares with the merge base of the base branch", async () => {
    const { root } = repo();
    git(root, "checkout", "-q", "-b", "feature");
    commit(root, { "libs/x.js": "2" }, "lib change");
    commit(root, { "docs/new.md": "new" }, "docs");
    const ctx = await run(root, { ref: "refs/heads/feature" });
    // libs/** is shared by the gateway filter through the anchor.
    expect(JSON.parse(ctx.outputs.changes!)).toEqual(["shared", "gateway", "docs"]);
  });

  it("on a pull request compares with the merge base of the pull request's base", async () => {
    const { root, first } = repo();
    git(root, "checkout", "-q", "-b", "pr");
    commit(root, { "gateway/b.js": "new" }, "gateway");
    const ctx = await run(root, {
      eventName: "pull_request",
      ref: "refs/pull/1/merge",
      event: { pull_request: { base: { sha: first, ref: "main" } } },
    });
    expect(ctx.outputs.changes).toBe('["gateway"]');
  });

  it("reads filters from a file path and accepts a SHA base", async () => {
    const { root, first } = repo();
    commit(root, { ".github/filters.yml": "gw: gateway/**\n", "gateway/c.js": "c" }, "filters file");
    const ctx = await run(root, {}, { filters: ".github/filters.yml", base: first });
    expect(ctx.outputs).toMatchObject({ gw: "true", changes: '["gw"]' });
  });

  it("counts every file as changed (with a warning) when the base is missing from a shallow clone", async () => {
    const { root } = repo();
    commit(root, { "content/a.py": "2" }, "second");
    const clone = dirs.make("slipway-pf-clone-");
    git(clone, "clone", "-q", "--depth", "1", `file://${root}`, ".");
    const ctx = await run(clone, { ref: "refs/heads/feature" }, { base: "nonexistent-branch" });
    expect(ctx.warnings[0]).toMatch(/shallow clone/);
    expect(ctx.outputs.gateway).toBe("true");
  });
});
