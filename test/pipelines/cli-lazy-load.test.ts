// The CLI loads only the command it runs; `slipway --help` lists the commands from the table the
// build wrote (dist/commands.json). These check that the list is the commands' own, and that the
// short commands are answered by the launcher alone (dist/launch.cjs, without the full CLI).
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

describe("CLI start-up", () => {
  it("lists every command in --help with the usage the command itself shows", async () => {
    const help = await runCli(["--help"], { cwd: tmpdir() });
    expect(help.code).toBe(0);
    const section = help.stdout.slice(help.stdout.indexOf("Commands:"));
    const terms = [...section.matchAll(/^ {2}(\S+(?: \S+)*?) {2,}/gm)].map((m) => m[1] as string);
    expect(terms.length).toBeGreaterThan(20);
    for (const term of terms.filter((t) => !t.startsWith("help"))) {
      const name = term.split(" ")[0] as string;
      const own = await runCli([name, "--help"], { cwd: tmpdir() });
      expect(own.code, own.stderr).toBe(0);
      // Commander lists a command with sub-commands by its name alone ("token"), others in full.
      expect(own.stdout.split("\n")[0]?.startsWith(`Usage: slipway ${term}`)).toBe(true);
    }
  }, 180_000);

  it("answers --version and refuses an unknown command with a suggestion", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    // Inside a deployed instance $SLIPWAY_VERSION is the app's version; Slipway still names its own.
    const env = { SLIPWAY_VERSION: "v7-of-the-app" };
    expect((await runCli(["--version"], { cwd: tmpdir(), env })).stdout).toBe(`${version}\n`);
    const unknown = await runCli(["rnu"], { cwd: tmpdir() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'rnu'.*Did you mean run/s);
  }, 60_000);

  it("answers --version, --help and status from the launcher alone; the rest is the full CLI's", () => {
    // An installation with only bin/ and the launcher's files: no dist/cli.js, no chunks.
    const repo = new URL("../../", import.meta.url).pathname;
    const install = mkdtempSync(join(tmpdir(), "slipway-launcher-"));
    try {
      cpSync(join(repo, "bin"), join(install, "bin"), { recursive: true });
      for (const file of ["launch.cjs", "help.txt", "commands.json"])
        cpSync(join(repo, "dist", file), join(install, "dist", file));
      const slipway = (...args: string[]) =>
        spawnSync(process.execPath, [join(install, "bin/slipway.js"), ...args], {
          cwd: install,
          encoding: "utf8",
          timeout: 30_000,
          env: { ...process.env, NO_COLOR: "1", SLIPWAY_URL: "http://127.0.0.1:9" },
        });
      const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string };
      expect(slipway("--version").stdout).toBe(`${version}\n`);
      expect(slipway("--help").stdout).toBe(readFileSync(join(repo, "dist/help.txt"), "utf8"));
      const status = slipway("status", "--json");
      expect(status.status).toBe(1);
      expect(JSON.parse(status.stdout)).toMatchObject({ error: { code: "SLIPWAY_UNAVAILABLE" } });
      expect(status.stderr).toContain("cannot reach the Slipway server at http://127.0.0.1:9");
      // Any other command line is handed to dist/cli.js, which this installation lacks.
      const history = slipway("history");
      expect(history.status).not.toBe(0);
      expect(history.stderr).toContain("dist/cli.js");
    } finally {
      rmSync(install, { recursive: true, force: true });
    }
  }, 60_000);
});
