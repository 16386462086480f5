import { afterEach, describe, expect, it } from "vitest";
import { affectedAction } from "./affected.js";
import { commit, git, makeContext, tempDirs } from "./test-context.js";

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/** An npm-workspaces repository: lib, app-a (uses lib), app-b; the last commit changes `changed`. */
function repository(changed: Record<string, string>): string {
  const root = dirs.make("slipway-affected-action-");
  git(root, "init", "-q", "-b", "main");
  const pkg = (name: string, dependencies: Record<string, string> = {}) =>
    JSON.stringify({ name, version: "1.0.0", dependencies });
  commit(
    root,
    {
      "package.json": JSON.stringify({ name: "mono", private: true, workspaces: ["packages/*"] }),
      "packages/lib/package.json": pkg("lib"),
      "packages/lib/index.js": "1",
      "packages/app-a/package.json": pkg("app-a", { lib: "*" }),
      "packages/app-a/index.js": "1",
      "packages/app-b/package.json": pkg("app-b"),
      "packages/app-b/index.js": "1",
    },
    "one",
  );
  commit(root, changed, "two");
  return root;
}

describe("slipway/affected", () => {
  it("outputs the changed packages and their dependents, as `slipway affected` finds them", async () => {
    const root = repository({ "packages/lib/index.js": "2" });
    const context = makeContext({ workspace: root, dataDir: root, inputs: { base: "HEAD~1" } });
    await affectedAction.run(context);
    expect(JSON.parse(context.outputs.affected ?? "")).toEqual(["app-a", "lib"]);
    expect(context.outputs.count).toBe("2");
    expect(context.outputs.all).toBe("false");
    expect(context.logs.join("\n")).toMatch(/affected services \(2 of 3, from npm-workspaces\)/);

    const leaf = repository({ "packages/app-b/index.js": "2" });
    const other = makeContext({ workspace: leaf, dataDir: leaf, inputs: { base: "HEAD~1", head: "HEAD" } });
    await affectedAction.run(other);
    expect(other.outputs.affected).toBe('["app-b"]');
  });

  it("counts everything as changed when a root file changed, and fails on an unknown base", async () => {
    const root = repository({ "package-lock.json": "{}" });
    const context = makeContext({ workspace: root, dataDir: root, inputs: { base: "HEAD~1" } });
    await affectedAction.run(context);
    expect(context.outputs.all).toBe("true");
    expect((JSON.parse(context.outputs.affected ?? "") as string[]).sort()).toEqual([
      "app-a",
      "app-b",
      "lib",
    ]);

    const unknown = makeContext({ workspace: root, dataDir: root, inputs: { base: "no-such-rev" } });
    await expect(affectedAction.run(unknown)).rejects.toThrow(/no-such-rev/);
    // Before a checkout the workspace is an empty folder: the step says so.
    const empty = dirs.make("slipway-affected-empty-");
    await expect(affectedAction.run(makeContext({ workspace: empty, dataDir: empty }))).rejects.toThrow(
      /not inside a git repository/,
    );
  });
});
