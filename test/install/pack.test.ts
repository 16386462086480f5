// `npm pack`, then `npm install -g` of the tarball into a fresh prefix, then slipway used from a
// project outside this repository: the way docs/install.md tells a newcomer to install it.
import { execFileSync, spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const work = mkdtempSync(join(tmpdir(), "slipway-install-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", CI: "true", SLIPWAY_URL: "", SLIPWAY_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 600_000,
  });

describe("npm pack → npm install -g → slipway on a project of one's own", () => {
  it("installs from the tarball and runs outside the repository", async () => {
    const packDir = join(work, "pack");
    mkdirSync(packDir);
    // npm pack runs `prepare`, which builds dist/ and web/dist/ into the tarball.
    run("npm", ["pack", "--pack-destination", packDir, "--silent"], REPO);
    const [tarball] = readdirSync(packDir).filter((f) => f.endsWith(".tgz"));
    expect(tarball).toMatch(/^slipway-\d+\.\d+\.\d+\.tgz$/);
    const listing = run("tar", ["tzf", join(packDir, tarball!)], work);
    for (const file of [
      "package/bin/slipway.js",
      "package/dist/cli.js",
      "package/dist/proxy.js",
      "package/web/dist/index.html",
      "package/schema/slipway.schema.json",
    ])
      expect(listing).toContain(file);
    expect(listing).not.toContain("package/src/");

    const prefix = join(work, "prefix");
    // Install scripts are skipped and better-sqlite3's native module copied from this checkout (same
    // Node, same ABI): its installer downloads or compiles SQLite, which is its own business and
    // takes minutes here; everything else is the published install.
    run(
      "npm",
      [
        "install",
        "-g",
        "--prefix",
        prefix,
        join(packDir, tarball!),
        "--ignore-scripts",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
      ],
      work,
    );
    const installed = join(prefix, "lib", "node_modules", "slipway");
    const native = join("node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");
    mkdirSync(dirname(join(installed, native)), { recursive: true });
    copyFileSync(join(REPO, native), join(installed, native));

    const env = { PATH: `${join(prefix, "bin")}:${process.env.PATH ?? ""}` };
    const project = join(work, "my-project");
    mkdirSync(join(project, "services", "web"), { recursive: true });
    writeFileSync(
      join(project, "services", "web", "package.json"),
      JSON.stringify({ name: "web", scripts: { start: "node server.js" } }),
    );
    writeFileSync(
      join(project, "services", "web", "server.js"),
      'require("node:http").createServer((q, s) => s.end("hello")).listen(Number(process.env.PORT), "127.0.0.1");\n',
    );
    mkdirSync(join(project, ".github", "workflows"), { recursive: true });
    writeFileSync(
      join(project, ".github", "workflows", "ci.yml"),
      "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo tested\n",
    );
    const git = (...args: string[]) =>
      run("git", args, project, {
        GIT_AUTHOR_NAME: "A",
        GIT_AUTHOR_EMAIL: "a@example.com",
        GIT_COMMITTER_NAME: "A",
        GIT_COMMITTER_EMAIL: "a@example.com",
      });
    git("init", "-q", "-b", "main");

    const sh = (line: string) => run("bash", ["-c", line], project, env);
    expect(sh("command -v slipway")).toBe(`${join(prefix, "bin", "slipway")}\n`);
    expect(sh("slipway --version").trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(sh("slipway init")).toContain("services/web");
    git("add", "-A");
    git("commit", "-q", "-m", "initial");
    expect(sh("slipway config validate")).toContain("is valid: 1 service (web)");
    expect(sh("slipway run")).toContain("tested");
    expect(sh("slipway runs")).toContain("success");

    // up serves the dashboard from the installed web assets and starts the proxy from dist/proxy.js.
    const up = spawn("bash", ["-c", "exec slipway up --port 0 --proxy-port 0"], {
      cwd: project,
      env: { ...process.env, ...env, NO_COLOR: "1", SLIPWAY_URL: "", SLIPWAY_TOKEN: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    up.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    try {
      for (let i = 0; i < 600 && !out.includes("token"); i++) await new Promise((ok) => setTimeout(ok, 100));
      const apiUrl = /API +(http:\/\/\S+)/.exec(out)?.[1];
      expect(apiUrl).toBeDefined();
      const page = await fetch(`${apiUrl}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<script");
      const proxy = JSON.parse(readFileSync(join(project, ".slipway", "proxy", "proxy.json"), "utf8")) as {
        pid: number;
      };
      expect(readFileSync(`/proc/${proxy.pid}/cmdline`, "utf8")).toContain(
        join(installed, "dist", "proxy.js"),
      );
    } finally {
      expect(sh("slipway down")).toContain("stopped proxy");
      up.kill("SIGKILL");
    }
  }, 900_000);
});
