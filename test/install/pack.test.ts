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
import { isAlive } from "../../src/traffic/spawn.js";
import { processesUnder } from "../support/processes.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const work = mkdtempSync(join(tmpdir(), "slipway-install-"));
afterAll(() => {
  // Whatever a failed run left behind: instances and the proxy run from folders under `work`.
  for (const pid of processesUnder(work + "/")) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  rmSync(work, { recursive: true, force: true });
});

const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", CI: "true", SLIPWAY_URL: "", SLIPWAY_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 600_000,
  });

describe("npm pack → npm install -g → slipway on a project of one's own", () => {
  it("installs from the tarball, deploys a two-service project of its own, moves traffic to a new version, and stops everything", async () => {
    const started = Date.now();
    const packDir = join(work, "pack");
    mkdirSync(packDir);
    // npm pack runs `prepare`, which builds dist/ and web/dist/ into the tarball.
    run("npm", ["pack", "--pack-destination", packDir, "--silent"], REPO);
    const [tarball] = readdirSync(packDir).filter((f) => f.endsWith(".tgz"));
    expect(tarball).toMatch(/^slipway-\d+\.\d+\.\d+\.tgz$/);
    const listing = run("tar", ["tzf", join(packDir, tarball!)], work);
    for (const file of [
      "package/bin/slipway.js",
      "package/bin/package.json",
      "package/dist/launch.cjs",
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
    // Two services of one's own, each a tiny HTTP server listening on $PORT with an npm start script.
    const service = (name: string, greeting: string) => {
      mkdirSync(join(project, "services", name), { recursive: true });
      writeFileSync(
        join(project, "services", name, "package.json"),
        JSON.stringify({ name, private: true, scripts: { start: "node server.js" } }),
      );
      writeFileSync(
        join(project, "services", name, "server.js"),
        `const greeting = ${JSON.stringify(greeting)};\n` +
          'require("node:http").createServer((q, s) => s.end(`${greeting} ${process.env.SLIPWAY_VERSION} ${q.url}`))' +
          '.listen(Number(process.env.PORT), "127.0.0.1");\n',
      );
    };
    service("web", "hello from web");
    service("api", "hello from api");
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

    // From here on: only the commands README.md's "Use it on your project" and docs/install.md give.
    const sh = (line: string) => run("bash", ["-c", line], project, env);
    expect(sh("command -v slipway")).toBe(`${join(prefix, "bin", "slipway")}\n`);
    expect(sh("slipway --version").trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const init = sh("slipway init");
    expect(init).toContain("services/web");
    expect(init).toContain("services/api");
    expect(readFileSync(join(project, ".gitignore"), "utf8")).toContain(".slipway/");
    git("add", "-A");
    git("commit", "-q", "-m", "initial");
    expect(sh("slipway config validate")).toMatch(/is valid: 2 services \((api, web|web, api)\)/);
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
    up.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    let proxyPid: number | undefined;
    try {
      for (let i = 0; i < 600 && !out.includes("token"); i++) await sleep(100);
      const apiUrl = /API +(http:\/\/\S+)/.exec(out)?.[1];
      const trafficUrl = /traffic +(http:\/\/\S+)/.exec(out)?.[1];
      expect(apiUrl, out).toBeDefined();
      expect(trafficUrl, out).toBeDefined();
      const page = await fetch(`${apiUrl}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<script");
      proxyPid = (
        JSON.parse(readFileSync(join(project, ".slipway", "proxy", "proxy.json"), "utf8")) as { pid: number }
      ).pid;
      expect(readFileSync(`/proc/${proxyPid}/cmdline`, "utf8")).toContain(
        join(installed, "dist", "proxy.js"),
      );

      // Both services' first deploys at once (each service has its own lock in an environment).
      const firsts = await Promise.all(
        ["web", "api"].map((name) =>
          shAsync(`slipway deploy ${name} --env production --version v1 --ref HEAD --wait`, project, env),
        ),
      );
      for (const first of firsts) expect(first.code, first.out).toBe(0);
      expect(firsts.map((f) => f.out).join("")).toMatch(/promoted v1[\s\S]*promoted v1/);
      // init gave web (the site) `/` and api `/api`: the proxy routes by path.
      expect(await body(`${trafficUrl}/`)).toBe("hello from web v1 /");
      expect(await body(`${trafficUrl}/api/orders`)).toBe("hello from api v1 /api/orders");
      const status = sh("cd services/web && slipway status"); // from a folder inside the project;
      expect(status).toContain("web");
      expect(status).toContain("api");

      // A second version of web: change, commit, deploy; traffic moves to it while api stays.
      writeFileSync(
        join(project, "services", "web", "server.js"),
        readFileSync(join(project, "services", "web", "server.js"), "utf8").replace(
          "hello from web",
          "web, new",
        ),
      );
      git("commit", "-q", "-am", "web: new greeting");
      const second = shAsync(
        "slipway deploy web --env production --version v2 --ref HEAD --wait",
        project,
        env,
      );
      let seen = "";
      for (let i = 0; i < 600 && seen !== "web, new v2 /"; i++) {
        seen = await body(`${trafficUrl}/`).catch(() => "");
        if (seen !== "web, new v2 /") await sleep(100);
      }
      expect(seen).toBe("web, new v2 /");
      expect(await body(`${trafficUrl}/api/x`)).toBe("hello from api v1 /api/x");
      // Not waiting for the whole analysis window: "all traffic now, end the analysis".
      expect(sh("slipway promote web production --full")).toBeTruthy();
      const promoted = await second;
      expect(promoted.code, promoted.out).toBe(0);
      expect(promoted.out).toContain("promoted v2");
      console.log(`npm pack to v2 of web promoted: ${Math.round((Date.now() - started) / 1000)} s`);
    } finally {
      let down: string | undefined;
      let stoppedByDown: boolean | undefined;
      try {
        down = run("bash", ["-c", "slipway down"], project, env);
      } finally {
        // `slipway up` runs the control plane in the foreground: down must have ended it.
        stoppedByDown = await exited(up, 15_000);
        if (!stoppedByDown) up.kill("SIGKILL");
      }
      expect(down).toContain("stopped proxy");
      expect(stoppedByDown).toBe(true);
    }
    // Nothing is left running: no instance in a release folder, no proxy, no control plane.
    await waitFor(() => processesUnder(project + "/").length === 0);
    expect(processesUnder(project + "/")).toEqual([]);
    expect(proxyPid !== undefined && isAlive(proxyPid)).toBe(false);
    expect(sh("slipway down")).toMatch(/nothing/i);
  }, 900_000);
});

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function body(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return response.text();
}

/** Whether `child` exits within `ms`. */
function exited(child: ReturnType<typeof spawn>, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

async function waitFor(ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok() && Date.now() < deadline) await sleep(100);
}

/** A documented command run in the background (deploy --wait), with its exit code and output. */
function shAsync(
  line: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn("bash", ["-c", line], {
      cwd,
      env: { ...process.env, NO_COLOR: "1", CI: "true", SLIPWAY_URL: "", SLIPWAY_TOKEN: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 300_000,
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("close", (code) => done({ code, out }));
  });
}
