// The CLI loads only the command it runs; `slipway --help` lists the commands from the table the
// build wrote (dist/commands.json). These check that the list is the commands' own.
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
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
});
