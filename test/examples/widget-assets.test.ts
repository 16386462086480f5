// The widget-platform example's CDN release (issue 20 item 5): its four widgets, built with the
// example's own esbuild script, published as an immutable versioned bundle, `beta` (staging: no policy) moved to the
// new version and rolled back, all through the built CLI, and served by a real `slipway proxy`.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../pipelines/helpers.js";
import {
  buildWidgets as buildExampleWidgets,
  createExample,
  linkEsbuild,
  proxyUrlOf,
  runCli,
} from "./helpers.js";


interface Manifest {
  name: string;
  version: string;
  files: { path: string; integrity: string; encodings: string[] }[];
}

describe("examples/widget-platform: CDN release with a beta alias", () => {
  let example: ReturnType<typeof createExample>;
  let proxy: ChildProcess | undefined;
  let base = "";

  const buildWidgets = (version: string) => buildExampleWidgets(example.dir, version);
  const cli = (...args: string[]) => runCli(args, example.dir, 60_000);
  const served = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, version: res.headers.get("x-asset-version"), body: await res.text() };
  };

  beforeAll(async () => {
    example = createExample("widget-platform");
    linkEsbuild(example.dir);
    proxy = spawn(
      process.execPath,
      [CLI, "proxy", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--state-dir", ".slipway/proxy"],
      { cwd: example.dir, stdio: "ignore" },
    );
    base = await proxyUrlOf(example.dir);
  }, 120_000);

  afterAll(() => {
    if (proxy?.pid) proxy.kill("SIGTERM");
    example?.cleanup();
  });

  it("publishes 1.4.0 and 1.4.1, moves beta, rolls it back; every version stays served", async () => {
    buildWidgets("1.4.0");
    const first = await cli("assets", "publish", "dist/widgets", "--name", "widget", "--version", "1.4.0");
    expect(first.code, first.stderr).toBe(0);
    const manifest = JSON.parse(first.stdout) as Manifest;
    expect(manifest.files.map((f) => f.path).filter((p) => p.endsWith(".js"))).toHaveLength(4);
    for (const file of manifest.files) expect(file.integrity).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/);
    const shopify = manifest.files.find((f) => /^shopify\/varai-shopify\.[0-9a-f]{8}\.js$/.test(f.path));
    expect(shopify?.encodings).toEqual(expect.arrayContaining(["br", "gzip"]));

    // Publishing the same content again changes nothing; other content under 1.4.0 is refused.
    const again = await cli("assets", "publish", "dist/widgets", "--name", "widget", "--version", "1.4.0");
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already published \(same content\)/);
    buildWidgets("1.4.1");
    const overwrite = await cli(
      "assets",
      "publish",
      "dist/widgets",
      "--name",
      "widget",
      "--version",
      "1.4.0",
    );
    expect(overwrite.code).not.toBe(0);
    expect(overwrite.stderr).toMatch(/already published with other content.*immutable/);
    expect(
      (
        await cli(
          "assets",
          "publish",
          "dist/widgets",
          "--name",
          "widget",
          "--version",
          "1.4.1",
          "--alias",
          "latest",
        )
      ).code,
    ).toBe(0);
    expect((await served("/assets/widget/latest/html/manifest.json")).version).toBe("1.4.1");

    const beta = async () => {
      const res = await served("/assets/widget/beta/html/manifest.json");
      expect(res.status).toBe(200);
      return { header: res.version, built: (JSON.parse(res.body) as { version: string }).version };
    };
    expect((await cli("assets", "alias", "widget", "beta", "1.4.0", "--reason", "launch")).code).toBe(0);
    expect(await beta()).toEqual({ header: "1.4.0", built: "1.4.0" });
    const moved = await cli("assets", "alias", "widget", "beta", "1.4.1", "--reason", "release 1.4.1");
    expect(moved.stdout).toMatch(/widget beta: 1\.4\.0 → 1\.4\.1/);
    expect(await beta()).toEqual({ header: "1.4.1", built: "1.4.1" });

    const rolled = await cli("assets", "rollback", "widget", "beta", "--reason", "checkout broke");
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(await beta()).toEqual({ header: "1.4.0", built: "1.4.0" });
    // The version rolled back from is still served under its own immutable URL.
    const kept = await served("/assets/widget/1.4.1/html/manifest.json");
    expect(kept.status).toBe(200);
    expect((JSON.parse(kept.body) as { version: string }).version).toBe("1.4.1");

    const history = await cli("assets", "history", "widget", "beta", "--json");
    const moves = (
      JSON.parse(history.stdout) as { history: { action: string; toVersion: string; reason: string }[] }
    ).history;
    expect(moves.map((m) => [m.action, m.toVersion, m.reason])).toEqual([
      ["rollback", "1.4.0", "checkout broke"],
      ["move", "1.4.1", "release 1.4.1"],
      ["move", "1.4.0", "launch"],
    ]);
  }, 120_000);
});
