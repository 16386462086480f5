// A newcomer's path through the CLI, end to end with the built CLI (npm run build first): init in
// an existing repository, up, deploy and status from a sub-folder, down; output to a closed pipe;
// --json failures; option validation.
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { CLI, isAlive, makeRepo, runCli, type CliResult, type TestRepo } from "../pipelines/helpers.js";

const repos: TestRepo[] = [];
const temps: string[] = [];
/** Processes a test keeps alive on purpose (a daemon that opted out of the run's clean-up). */
const kept: number[] = [];
afterAll(() => {
  for (const pid of kept) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  for (const repo of repos) repo.cleanup();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

// Never let the developer's own SLIPWAY_URL/SLIPWAY_TOKEN pick the project: discovery is under test.
const ENV = { SLIPWAY_URL: "", SLIPWAY_TOKEN: "" };
const cli = (args: string[], cwd: string, timeoutMs = 60_000): Promise<CliResult> =>
  runCli(args, { cwd, env: ENV, timeoutMs });

/** Runs the CLI with its stdout closed before it writes anything: `slipway … | head -0`. */
function withClosedStdout(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "1", CI: "true", ...ENV, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy(); // the reader is gone: every write of the child meets EPIPE
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`slipway ${args.join(" ")} timed out: ${stderr}`));
    }, 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout: "", stderr });
    });
  });
}

const server = (name: string) =>
  `require("node:http").createServer((q, s) => s.end("${name}")).listen(Number(process.env.PORT), "127.0.0.1");\n`;

/** An existing two-service npm-workspaces repository with a CI workflow, as a newcomer brings it. */
function workspaceRepo(): TestRepo {
  const repo = makeRepo([], {
    ".gitignore": "node_modules\n",
    "package.json": JSON.stringify({ name: "@acme/shop", private: true, workspaces: ["services/*"] }),
    "services/web/package.json": JSON.stringify({ name: "@acme/web", scripts: { start: "node server.js" } }),
    "services/web/server.js": server("web"),
    "services/api/package.json": JSON.stringify({ name: "api", scripts: { start: "node server.js" } }),
    "services/api/server.js": server("api"),
    "services/worker/package.json": JSON.stringify({ name: "worker" }),
    ".github/workflows/ci.yml":
      "on:\n  push:\n    paths: ['services/worker/**']\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n",
  });
  repos.push(repo);
  return repo;
}

describe("slipway init", () => {
  it("writes a commented slipway.yaml for the services it finds, ignores .slipway/, prints the next commands, never overwrites", async () => {
    const repo = workspaceRepo();
    const init = await cli(["init"], repo.dir);
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    const text = readFileSync(join(repo.dir, "slipway.yaml"), "utf8");
    expect(text).toMatch(/^# /); // commented
    const doc = parseYaml(text) as {
      project: { name: string };
      services: Record<string, { path: string; start: string }>;
    };
    expect(doc.project.name).toBe("shop");
    expect(Object.keys(doc.services).sort()).toEqual(["api", "web"]);
    expect(doc.services.web).toMatchObject({ path: "services/web", start: "npm start" });
    // The worker has no start script: named, commented out, with the workflow that pointed at it.
    expect(text).toContain("# worker:");
    expect(text).toMatch(/services\/worker.*\.github\/workflows\/ci\.yml paths/);
    // It validates with the project's own loader.
    const validate = await cli(["config", "validate", "--json"], join(repo.dir, "services", "web"));
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, services: ["api", "web"] });

    expect(readFileSync(join(repo.dir, ".gitignore"), "utf8").split("\n")).toContain(".slipway/");
    const next = init.stdout.slice(init.stdout.indexOf("Next:")).trim().split("\n").slice(1);
    expect(next).toHaveLength(3);
    expect(next[0]).toContain("git add slipway.yaml .gitignore");
    expect(next[1]).toContain("slipway up");
    expect(next[2]).toContain("slipway deploy api --env production");

    const again = await cli(["init"], repo.dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
    expect(readFileSync(join(repo.dir, "slipway.yaml"), "utf8")).toBe(text);
    // .gitignore is not extended twice by a second, refused run.
    expect(readFileSync(join(repo.dir, ".gitignore"), "utf8").match(/\.slipway\//g)).toHaveLength(1);
  });

  it("in a repository with nothing to detect still writes a file that validates and says what to fill in", async () => {
    const repo = makeRepo([], { "README.md": "empty\n" });
    repos.push(repo);
    const init = await cli(["init", "--json"], repo.dir);
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ services: ["web"], found: [] });
    expect((await cli(["config", "validate"], repo.dir)).code).toBe(0);
  });
});

describe("finding the project", () => {
  it("slipway up refuses a missing folder and a folder without slipway.yaml, pointing at slipway init", async () => {
    const base = mkdtempSync(join(tmpdir(), "slipway-newcomer-"));
    temps.push(base);
    const missing = await cli(["up", "--dir", "my-project", "--port", "0", "--proxy-port", "0"], base);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${join(base, "my-project")} does not exist`);
    expect(missing.stderr).toContain("slipway init");
    expect(existsSync(join(base, "my-project"))).toBe(false); // not created behind the user's back

    mkdirSync(join(base, "empty"));
    const empty = await cli(["up", "--dir", "empty", "--port", "0", "--proxy-port", "0"], base);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain(`no slipway.yaml in ${join(base, "empty")}`);
    expect(empty.stderr).toContain("slipway init --dir empty");
    expect(existsSync(join(base, "empty", ".slipway"))).toBe(false);

    // Without --dir and outside any project: the folders looked in are named.
    const none = await cli(["config", "validate", "--json"], join(base, "empty"));
    expect(none.code).toBe(1);
    const error = (JSON.parse(none.stdout) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("SLIPWAY_NOT_FOUND");
    expect(error.message).toContain(join(base, "empty"));
    expect(error.message).toContain("slipway init");
  });

  it("up, deploy and status from a sub-folder (the token found upwards), then down stops everything, twice", async () => {
    const repo = workspaceRepo();
    expect((await cli(["init"], repo.dir)).code).toBe(0);
    repo.commit({}, "add slipway.yaml");
    const up = spawn(process.execPath, [CLI, "up", "--port", "0", "--proxy-port", "0"], {
      cwd: repo.dir,
      env: { ...process.env, ...ENV, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let upOut = "";
    up.stdout.on("data", (chunk: Buffer) => (upOut += chunk.toString()));
    const upExited = new Promise<number | null>((ok) => up.on("exit", (code) => ok(code)));
    try {
      for (let i = 0; i < 300 && !upOut.includes("token"); i++)
        await new Promise((ok) => setTimeout(ok, 100));
      expect(upOut).toContain("slipway up");
      const sub = join(repo.dir, "services", "web");
      const deploy = await cli(
        ["deploy", "web", "--env", "production", "--version", "v1", "--ref", "HEAD", "--json"],
        sub,
      );
      expect(deploy.stderr).toBe("");
      expect(deploy.code).toBe(0);
      let status: { environments: { revisions: { instances: { state: string; pid?: number }[] }[] }[] } = {
        environments: [],
      };
      for (let i = 0; i < 300; i++) {
        const result = await cli(["status", "--json"], sub);
        expect(result.code).toBe(0);
        status = JSON.parse(result.stdout) as typeof status;
        if (status.environments[0]?.revisions[0]?.instances[0]?.state === "ready") break;
        await new Promise((ok) => setTimeout(ok, 200));
      }
      expect(status.environments[0]?.revisions[0]?.instances[0]?.state).toBe("ready");
      const proxyPid = (
        JSON.parse(readFileSync(join(repo.dir, ".slipway", "proxy", "proxy.json"), "utf8")) as { pid: number }
      ).pid;
      const instanceFiles = readdirSync(join(repo.dir, ".slipway", "runtime", "instances"));
      const instancePids = instanceFiles.map(
        (f) =>
          (
            JSON.parse(readFileSync(join(repo.dir, ".slipway", "runtime", "instances", f), "utf8")) as {
              pid: number;
            }
          ).pid,
      );
      expect(instancePids.length).toBeGreaterThan(0);

      // `slipway history | head -0` from the sub-folder: quiet, status 0.
      const history = await withClosedStdout(["history"], sub);
      expect(history).toMatchObject({ code: 0, stderr: "" });

      const down = await cli(["down"], sub);
      expect(down.code).toBe(0);
      expect(down.stdout).toContain("stopped control plane");
      expect(down.stdout).toContain("stopped instances: web/production@v1 (1 instance)");
      expect(down.stdout).toContain(`stopped proxy: pid ${proxyPid}`);
      expect(await upExited).toBe(0);
      expect(isAlive(proxyPid)).toBe(false);
      for (const pid of instancePids) expect(isAlive(pid)).toBe(false);
      expect(existsSync(join(repo.dir, ".slipway", "server.json"))).toBe(false);

      const again = await cli(["down", "--json"], repo.dir);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual({ dir: repo.dir, stopped: [] });
    } finally {
      if (up.exitCode === null) {
        await cli(["down"], repo.dir).catch(() => undefined);
        up.kill("SIGKILL");
      }
    }
  }, 120_000);
});

describe("output to a closed pipe", () => {
  it("slipway run | head: the run goes on, records its real conclusion and leaves no worktree or temp folder", async () => {
    const repo = makeRepo([], {
      ".github/workflows/ci.yml": [
        "on: push",
        "jobs:",
        "  chatty:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: for i in $(seq 1 200); do echo line $i; done",
        '      - run: sleep 1 && echo after && touch "$RUNNER_TEMP/../../marker-$GITHUB_RUN_ID" || true',
        "  second:",
        "    needs: chatty",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: echo done",
      ].join("\n"),
    });
    repos.push(repo);
    const tmp = mkdtempSync(join(tmpdir(), "slipway-newcomer-tmp-"));
    temps.push(tmp);
    const run = await withClosedStdout(["run"], repo.dir, { TMPDIR: tmp });
    expect(run.stderr).not.toMatch(/EPIPE|internal error|at .*\.js:\d+/);
    expect(run.code).toBe(0);
    const runs = await cli(["runs", "--json"], repo.dir);
    const [recorded] = JSON.parse(runs.stdout) as { status: string; conclusion: string }[];
    expect(recorded).toMatchObject({ status: "completed", conclusion: "success" });
    expect(readdirSync(tmp).filter((name) => name.startsWith("slipway-run-"))).toEqual([]);
    expect(repo.git("worktree", "list").split("\n")).toHaveLength(1);

    // And the readers of history: quiet, their own status.
    expect(await withClosedStdout(["runs"], repo.dir)).toMatchObject({ code: 0, stderr: "" });
    expect(await withClosedStdout(["logs", "1"], repo.dir)).toMatchObject({ code: 0, stderr: "" });
    expect(await withClosedStdout(["--help"], repo.dir)).toMatchObject({ code: 0 });
  }, 120_000);
});

/**
 * `slipway run` in a new repository whose one step writes its shell's pid and sleeps, started in
 * the background with TMPDIR and the scratch folder in a folder of its own; answers once the step
 * runs (the pid file, not its output: the step's title, its script's text, is printed first).
 */
async function runWithLongStep() {
  const tmp = mkdtempSync(join(tmpdir(), "slipway-newcomer-tmp-"));
  temps.push(tmp);
  const pidFile = join(tmp, "step-pid");
  // Daemons that leave the step's process group: one marked as the run's (RUNNER_TRACKING_ID),
  // one that opted out the way GitHub's runner documents (an empty RUNNER_TRACKING_ID).
  const escapedFile = join(tmp, "escaped-pid");
  const keptFile = join(tmp, "kept-pid");
  const repo = makeRepo([], {
    ".github/workflows/ci.yml": [
      "on: push",
      "jobs:",
      "  long:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      `      - run: setsid sleep 61 & echo $! > ${escapedFile}; RUNNER_TRACKING_ID= setsid sleep 62 & echo $! > ${keptFile}; echo "$$" > ${pidFile}; sleep 60`,
    ].join("\n"),
  });
  repos.push(repo);
  const child = spawn(process.execPath, [CLI, "run"], {
    cwd: repo.dir,
    env: { ...process.env, NO_COLOR: "1", CI: "true", ...ENV, TMPDIR: tmp, SLIPWAY_SCRATCH_DIR: tmp },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const deadline = Date.now() + 60_000;
  while (!existsSync(pidFile) && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 100));
  const stepPid = Number(readFileSync(pidFile, "utf8"));
  const escapedPid = Number(readFileSync(escapedFile, "utf8"));
  const keptPid = Number(readFileSync(keptFile, "utf8"));
  kept.push(keptPid);
  const lastRun = async () => {
    const runs = await cli(["runs", "--json"], repo.dir);
    return (JSON.parse(runs.stdout) as { status: string; conclusion: string }[])[0];
  };
  return { tmp, repo, child, exited, stepPid, escapedPid, keptPid, lastRun, output: () => output };
}

describe("stopped from outside", () => {
  it("slipway run ended by SIGTERM (a CI deadline): the run is recorded cancelled, its steps end, nothing is left behind", async () => {
    const run = await runWithLongStep();
    expect(isAlive(run.stepPid)).toBe(true);
    run.child.kill("SIGTERM");
    expect(await run.exited).not.toBe(0);
    expect(run.output()).not.toMatch(/internal error|at .*\.js:\d+/);
    expect(await run.lastRun()).toMatchObject({ status: "completed", conclusion: "cancelled" });
    expect(isAlive(run.stepPid)).toBe(false);
    expect(isAlive(run.escapedPid)).toBe(false);
    expect(isAlive(run.keptPid)).toBe(true);
    expect(readdirSync(run.tmp).filter((name) => name.startsWith("slipway-"))).toEqual([]);
    expect(run.repo.git("worktree", "list").split("\n")).toHaveLength(1);
  }, 120_000);

  it("slipway run killed outright (SIGKILL): the next look at the runs shows it interrupted, not running", async () => {
    const run = await runWithLongStep();
    run.child.kill("SIGKILL");
    await run.exited;
    try {
      expect(isAlive(run.stepPid)).toBe(true); // nothing was left to stop it…
      expect(await run.lastRun()).toMatchObject({ status: "completed", conclusion: "interrupted" });
      // …until the next look at the runs found its owner gone.
      expect(isAlive(run.stepPid)).toBe(false);
      expect(isAlive(run.escapedPid)).toBe(false);
    } finally {
      if (isAlive(run.stepPid)) process.kill(-run.stepPid, "SIGKILL");
      if (isAlive(run.escapedPid)) process.kill(run.escapedPid, "SIGKILL");
    }
  }, 120_000);
});

describe("arguments", () => {
  it("refuses a malformed option value, suggests the flag for a typo, and prints {error} with --json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-newcomer-args-"));
    temps.push(dir);
    const limit = await cli(["history", "--limit", "abc"], dir);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain("--limit");
    expect(limit.stderr).toContain("whole number");
    expect((await cli(["runs", "--limit", "0"], dir)).code).toBe(2);

    const typo = await cli(["deploy", "web", "--env", "production", "--verison", "v3"], dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown option '--verison'");
    expect(typo.stderr).toContain("Did you mean --version?");
    expect(typo.stderr).not.toContain("required option");

    const json = await cli(["history", "--limit", "abc", "--json"], dir);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "SLIPWAY_INVALID_ARGUMENT" } });

    writeFileSync(join(dir, "slipway.yaml"), "project: { name: shop }\nservices:\n  web:\n    replicas: 0\n");
    const invalid = await cli(["config", "validate", "--json"], dir);
    expect(invalid.code).toBe(2);
    const { error } = JSON.parse(invalid.stdout) as { error: { code: string; problems: string[] } };
    expect(error.code).toBe("SLIPWAY_INVALID_CONFIG");
    expect(error.problems).toContain(
      "slipway.yaml:4:15: services.web.replicas: expected a whole number >= 1, got 0",
    );

    const unknownDeployFlag = await cli(
      ["deploy", "web", "--env", "p", "--version", "v1", "--strategy", "canary"],
      dir,
    );
    expect(unknownDeployFlag.code).toBe(2);
  });
});
