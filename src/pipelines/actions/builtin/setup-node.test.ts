import { afterEach, describe, expect, it } from "vitest";
import { checkNodeVersion, setupNodeAction, versionFromFile } from "./setup-node.js";
import { makeContext, tempDirs, writeFiles } from "./test-context.js";

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe("checkNodeVersion", () => {
  it.each([
    ["20", "v20.20.0", true],
    ["20.x", "v20.20.0", true],
    [">=20.18", "v20.20.0", true],
    ["v20.20.0", "v20.20.0", true],
    ["18", "v20.20.0", false],
    ["^22", "v20.20.0", false],
    ["lts/*", "v20.20.0", true],
    ["lts/*", "v21.1.0", false],
    ["lts/iron", "v20.20.0", true],
    ["lts/hydrogen", "v20.20.0", false],
    ["latest", "v20.20.0", true],
  ])("%s against %s → %s", (wanted, installed, ok) => {
    expect(checkNodeVersion(wanted, installed).ok).toBe(ok);
  });

  it("says what is installed when the version does not match", () => {
    expect(checkNodeVersion("18", "v20.20.0")).toEqual({
      ok: false,
      why: "the workflow asks for Node 18, but the installed Node is v20.20.0",
    });
  });

  it("rejects what is neither a version nor a range, and unknown LTS names", () => {
    expect(checkNodeVersion("banana", "v20.0.0")).toMatchObject({
      ok: false,
      why: expect.stringContaining("not a version") as string,
    });
    expect(checkNodeVersion("lts/zebra", "v20.0.0")).toMatchObject({
      ok: false,
      why: 'unknown LTS name "zebra"',
    });
  });
});

describe("versionFromFile", () => {
  it("reads .nvmrc, .tool-versions and package.json engines", () => {
    const dir = dirs.make();
    writeFiles(dir, {
      ".nvmrc": "# comment\n20.18\n",
      ".tool-versions": "python 3.11\nnodejs 20.1.0\n",
      "package.json": JSON.stringify({ engines: { node: ">=20" } }),
    });
    expect(versionFromFile(`${dir}/.nvmrc`)).toBe("20.18");
    expect(versionFromFile(`${dir}/.tool-versions`)).toBe("20.1.0");
    expect(versionFromFile(`${dir}/package.json`)).toBe(">=20");
    expect(() => versionFromFile(`${dir}/missing`)).toThrow(/does not exist/);
  });
});

describe("actions/setup-node", () => {
  const installed = process.version;
  const major = installed.slice(1).split(".")[0]!;

  it("passes on the host's own major and outputs the installed version", async () => {
    const ctx = makeContext({
      workspace: dirs.make(),
      dataDir: dirs.make(),
      inputs: { "node-version": major },
    });
    await setupNodeAction.run(ctx);
    expect(ctx.outputs["node-version"]).toBe(installed);
  });

  it("fails on another major that cannot be downloaded, saying what the host has", async () => {
    const ctx = makeContext({
      workspace: dirs.make(),
      dataDir: dirs.make(),
      inputs: { "node-version": "12" },
    });
    await expect(setupNodeAction.run(ctx)).rejects.toThrow(
      `no Node matching 12 in the tool cache ${ctx.settings.toolCache} or on the host (${installed}), and none could be downloaded`,
    );
  });

  it("reads node-version-file relative to the workspace", async () => {
    const workspace = dirs.make();
    writeFiles(workspace, { ".nvmrc": "8\n" });
    const ctx = makeContext({ workspace, dataDir: dirs.make(), inputs: { "node-version-file": ".nvmrc" } });
    await expect(setupNodeAction.run(ctx)).rejects.toThrow(/no Node matching 8 in the tool cache/);
  });

  it("fails clearly when node is not on the PATH", async () => {
    const ctx = makeContext({ workspace: dirs.make(), dataDir: dirs.make(), env: { PATH: "/nonexistent" } });
    await expect(setupNodeAction.run(ctx)).rejects.toThrow(/no node on this host's PATH/);
  });
});
