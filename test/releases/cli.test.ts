import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ReleaseBuilder } from "../../src/releases/index.js";
import { openStore } from "../../src/store/index.js";

// Runs the built CLI (`npm run build` first, as `npm test` does).
const BIN = join(import.meta.dirname, "..", "..", "bin", "slipway.js");
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const slipway = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 20_000 });

describe("slipway releases", () => {
  it("lists the project's releases, newest first, with why a build failed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-releases-cli-"));
    dirs.push(dir);
    expect(slipway("releases", "--dir", dir).stdout).toBe("no releases yet\n");

    mkdirSync(join(dir, "web"));
    writeFileSync(join(dir, "web", "server.js"), "");
    writeFileSync(
      join(dir, "slipway.yaml"),
      "project: { name: shop }\nservices:\n  web: { path: web, start: node server.js, build: 'test -f ok || { echo no ok file; exit 4; }' }\n",
    );
    const state = await openStore(join(dir, ".slipway", "slipway.db"));
    const builder = new ReleaseBuilder({
      store: state.releases,
      dataDir: join(dir, ".slipway"),
      now: (() => {
        let t = Date.parse("2026-11-25T12:00:00Z");
        return () => (t += 60_000);
      })(),
    });
    await expect(builder.ensure({ service: "web", version: "v1", projectDir: dir })).rejects.toThrow(
      "exit 4",
    );
    writeFileSync(join(dir, "web", "ok"), "");
    const v2 = await builder.ensure({ service: "web", version: "v2", projectDir: dir });
    await state.close();

    const json = slipway("releases", "web", "--dir", dir, "--json");
    expect(json.status).toBe(0);
    const listed = (
      JSON.parse(json.stdout) as { releases: Array<{ version: string; status: string; error?: string }> }
    ).releases;
    expect(listed.map((r) => [r.version, r.status, r.error])).toEqual([
      ["v2", "built", undefined],
      ["v1", "failed", "build failed (exit 4): no ok file"],
    ]);

    const text = slipway("releases", "--dir", dir);
    expect(text.stdout).toContain(`web v2  built  working-tree  ${v2.digest!.slice(0, 19)}`);
    expect(text.stdout).toContain("web v1  failed  working-tree  -");
    expect(text.stdout).toContain("    build failed (exit 4): no ok file\n");
  });
});
