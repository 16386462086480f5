import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BuiltinAction } from "../../src/pipelines/actions/contract.js";
import type { JobResult, RunEvent, RunResult } from "../../src/core/workflow/model.js";
import { runWorkflows, type RunOptions } from "../../src/pipelines/run.js";
import { pipelineSettings } from "../../src/pipelines/settings.js";
import { openStore, type RunStore } from "../../src/store/index.js";
import { FIXTURES, isAlive, makeRepo, type TestRepo, scratch } from "./helpers.js";

const { tempDir, onCleanup, ...made } = scratch();
const repo = (workflows: string[], files: Record<string, string> = {}): TestRepo =>
  made.repo(files, workflows);
const markDir = (): string => tempDir("slipway-marks-");

interface Outcome {
  results: RunResult[];
  result: RunResult;
  events: RunEvent[];
  /** Every printed line of a job (all matrix combinations when given the job id). */
  logs(job: string): string[];
  job(key: string): JobResult;
  history: RunStore;
}

async function run(target: TestRepo, options: Partial<RunOptions> = {}): Promise<Outcome> {
  const store = await openStore("sqlite::memory:");
  onCleanup(() => void store.close());
  const history = store.runs;
  const events: RunEvent[] = [];
  const results = await runWorkflows({
    dir: target.dir,
    maxParallel: 4,
    history,
    onEvent: (event) => events.push(event),
    ...options,
  });
  const result = results[0] as RunResult;
  return {
    results,
    result,
    events,
    history,
    logs: (job) =>
      events.flatMap((event) =>
        event.type === "log" && (event.key === job || event.key.startsWith(`${job} (`))
          ? [event.line.text]
          : [],
      ),
    job: (key) => {
      const found = result.jobs.find((job) => job.key === key);
      if (!found) throw new Error(`no job ${key} in ${result.jobs.map((j) => j.key).join(", ")}`);
      return found;
    },
  };
}

describe("loading", () => {
  it("reports schema errors with file:line:col", async () => {
    const target = repo(["invalid-schema.yml"]);
    await expect(run(target)).rejects.toMatchObject({
      code: "SLIPWAY_INVALID_WORKFLOW",
      message: ".github/workflows/invalid-schema.yml:8:9: Unexpected value 'bogus-key'",
    });
  });

  it("reports unknown needs and cycles with locations", async () => {
    const target = repo(["invalid-graph.yml"]);
    const error = (await run(target).catch((e: unknown) => e)) as {
      code: string;
      message: string;
      details: { problems: string[] };
    };
    expect(error.code).toBe("SLIPWAY_INVALID_WORKFLOW");
    const all = [error.message, ...error.details.problems].join("\n");
    expect(all).toMatch(/invalid-graph\.yml:\d+:\d+: .*ghost/);
    expect(all).toMatch(/invalid-graph\.yml:\d+:\d+: .*cycle/);
  });

  it("fails a remote action that cannot be fetched when its step is reached, naming the step", async () => {
    const target = repo(["remote-action.yml"]);
    const cacheDir = markDir();
    const { result, logs } = await run(target, {
      // A closed port: nothing is reachable, and nothing is tried before the step runs.
      settings: pipelineSettings({
        SLIPWAY_CACHE_DIR: cacheDir,
        SLIPWAY_ACTIONS_SERVER_URL: "http://127.0.0.1:9",
      }),
    });
    expect(result.conclusion).toBe("failure");
    expect(result.jobs[0]?.steps.map((s) => [s.name, s.conclusion])).toEqual([
      ["Run someone/else@v3", "failure"],
    ]);
    expect(logs("use").join("\n")).toMatch(
      /step 'Run someone\/else@v3': cannot resolve someone\/else@v3 on http:\/\/127\.0\.0\.1:9\/someone\/else/,
    );
  });
});

describe("triggers", () => {
  it("runs on a matching branch, skips other branches and docs-only changes with the reason", async () => {
    const target = repo(["triggers.yml"]);
    const onMain = await run(target, { event: "push" });
    expect(onMain.result.conclusion).toBe("success");
    expect(onMain.logs("show")).toContain("ref=refs/heads/main head= base= pr=");

    target.git("checkout", "-q", "-b", "feature");
    target.commit({ "src/a.ts": "x\n" });
    const onFeature = await run(target, { event: "push" });
    expect(onFeature.result).toMatchObject({
      conclusion: "skipped",
      reason: "branch feature does not match [main, release/**]",
    });

    target.git("checkout", "-q", "main");
    target.commit({ "src/b.ts": "y\n" });
    target.commit({ "docs/guide.md": "doc\n" });
    const docsOnly = await run(target, { event: "push" });
    expect(docsOnly.result).toMatchObject({
      conclusion: "skipped",
      reason: "every changed file matches paths-ignore [docs/**]",
    });
    // --base widens the diff: now a code change is included.
    const withBase = await run(target, { event: "push", base: "HEAD~2" });
    expect(withBase.result.conclusion).toBe("success");
  });

  it("fills pull_request contexts from the event payload and filters on the target branch", async () => {
    const target = repo(["triggers.yml"]);
    target.git("checkout", "-q", "-b", "feature");
    target.commit({ "src/a.ts": "x\n" });
    const payload = {
      action: "synchronize",
      number: 7,
      pull_request: { number: 7, head: { ref: "feature" }, base: { ref: "main" } },
    };
    const pr = await run(target, { event: "pull_request", eventPayload: payload });
    expect(pr.result.conclusion).toBe("success");
    expect(pr.logs("show")).toContain("ref=refs/pull/7/merge head=feature base=main pr=7");
    const other = await run(target, {
      event: "pull_request",
      eventPayload: { ...payload, pull_request: { ...payload.pull_request, base: { ref: "develop" } } },
    });
    expect(other.result).toMatchObject({
      conclusion: "skipped",
      reason: "target branch develop does not match [main]",
    });
  });

  it("runs tag workflows only for matching tags", async () => {
    const target = repo(["tags.yml"]);
    const branch = await run(target, { event: "push" });
    expect(branch.result.conclusion).toBe("skipped");
    target.git("tag", "v1.2.3");
    const tagged = await run(target, { event: "push", ref: "v1.2.3" });
    expect(tagged.result.conclusion).toBe("success");
    expect(tagged.logs("release")).toContain("releasing v1.2.3 (tag)");
  });

  it("checks workflow_dispatch inputs: required, choice, defaults and types", async () => {
    const target = repo(["dispatch.yml"]);
    await expect(run(target, { event: "workflow_dispatch" })).rejects.toMatchObject({
      code: "SLIPWAY_INVALID_ARGUMENT",
      message: ".github/workflows/dispatch.yml: input 'environment' is required (--input environment=VALUE)",
    });
    await expect(
      run(target, { event: "workflow_dispatch", inputs: { environment: "moon" } }),
    ).rejects.toThrow("must be one of staging, production");
    const ok = await run(target, {
      event: "workflow_dispatch",
      inputs: { environment: "staging", replicas: "3" },
    });
    expect(ok.job("deploy").outputs).toEqual({ summary: "staging dry=true replicas=3 event=staging" });
    const push = await run(target, { event: "push" });
    expect(push.result.reason).toContain("not triggered by push");
  });
});

describe("planning and status functions", () => {
  it("skips later steps after a failure, runs always() and failure() steps and jobs, keeps outputs", async () => {
    const target = repo(["status.yml"]);
    const { result, job, logs } = await run(target);
    expect(result.conclusion).toBe("failure");
    expect(job("build")).toMatchObject({ conclusion: "success", outputs: { artifact: "app-1.0.tgz" } });
    expect(job("build").steps[1]).toMatchObject({ outcome: "failure", conclusion: "success" });
    expect(logs("build")).toContain("flaky outcome=failure conclusion=success");
    expect(logs("test")).toContain("testing app-1.0.tgz");
    expect(job("test").steps.map((s) => [s.name, s.conclusion])).toEqual([
      ['Run echo "testing ${{ needs.build.outputs.artifact }}"', "success"],
      ["breaks", "failure"],
      ["never", "skipped"],
      ["cleanup", "success"],
      ["on failure", "success"],
    ]);
    expect(logs("test")).toContain("cleanup ran; job status failure");
    expect(logs("test")).not.toContain("must not run");
    expect(job("deploy")).toMatchObject({ conclusion: "skipped", steps: [] });
    expect(job("notify").conclusion).toBe("success");
    expect(logs("notify")).toContain("test result was failure");
    expect(logs("report")).toContain("deploy result was skipped");
  });

  it("expands matrices from a previous job's outputs with include/exclude, and honours max-parallel", async () => {
    const target = repo(["matrix.yml"]);
    const lockDir = markDir();
    const { result, logs } = await run(target, { hostEnv: { ...process.env, LOCK_DIR: lockDir } });
    expect(result.conclusion).toBe("success");
    const builds = result.jobs.filter((job) => job.id === "build");
    expect(builds.map((job) => job.matrix)).toEqual([
      { service: "api", node: 18, flavour: "fast" },
      { service: "api", node: 20, flavour: "fast" },
      { service: "web", node: 20 },
    ]);
    expect(builds.map((job) => job.name)).toEqual([
      "build (api, 18, fast)",
      "build (api, 20, fast)",
      "build (web, 20)",
    ]);
    expect(logs("build").sort()).toEqual([
      "build api node 18 flavour 'fast' index 0/3",
      "build api node 20 flavour 'fast' index 1/3",
      "build web node 20 flavour '' index 2/3",
    ]);
    // With max-parallel 1 the exclusive sections never overlapped (mkdir would have failed).
    expect(result.jobs.filter((job) => job.id === "limited").map((job) => job.conclusion)).toEqual([
      "success",
      "success",
      "success",
    ]);
  });

  it("cancels matrix siblings on failure (fail-fast) and kills their processes", async () => {
    const target = repo(["fail-fast.yml"]);
    const marks = markDir();
    const { result, job } = await run(target, { hostEnv: { ...process.env, MARK_DIR: marks } });
    expect(job("test (fast-fail)").conclusion).toBe("failure");
    expect(job("test (slow)").conclusion).toBe("cancelled");
    expect(result.conclusion).toBe("failure");
    const pid = Number(readFileSync(join(marks, "slow.pid"), "utf8"));
    expect(isAlive(pid)).toBe(false);
  });

  it("skips jobs whose runs-on labels this host lacks, with a warning, without failing the run", async () => {
    const target = repo(["runs-on.yml"]);
    const { result, job, events } = await run(target);
    expect(result.conclusion).toBe("success");
    expect(job("linux").conclusion).toBe("success");
    expect(job("mac").conclusion).toBe("skipped");
    expect(job("mac").reason).toContain("macos-latest");
    expect(job("gpu").conclusion).toBe("skipped");
    const warnings = events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
    expect(warnings).toEqual([expect.stringContaining("macos-latest"), expect.stringContaining("gpu")]);
    const withLabel = await run(target, { labels: ["gpu"] });
    expect(withLabel.job("gpu").conclusion).toBe("success");
  });

  it("lets a newer job cancel the holder of a concurrency group with cancel-in-progress", async () => {
    const target = repo(["concurrency.yml"]);
    const marks = markDir();
    const { job } = await run(target, { hostEnv: { ...process.env, MARK_DIR: marks } });
    expect(job("long").conclusion).toBe("cancelled");
    expect(job("newer").conclusion).toBe("success");
  });
});

describe("execution on the host", () => {
  it("writes the steps' command files and scripts to the run's scratch folder, removed with the run", async () => {
    const workflow = `name: Scratch
on: push
jobs:
  where:
    runs-on: ubuntu-latest
    steps:
      - id: out
        run: |
          echo "output_dir=$(dirname "$GITHUB_OUTPUT") script=$0"
          echo "answer=42" >> "$GITHUB_OUTPUT"
      - run: echo "answer ${"${{ steps.out.outputs.answer }}"} temp=$RUNNER_TEMP"
`;
    for (const [root, expectedBelow] of [
      [markDir(), "scratch"],
      ["none", "temp"],
    ] as const) {
      const target = makeRepo([], { ".github/workflows/scratch.yml": workflow });
      onCleanup(() => target.cleanup());
      const { logs } = await run(target, {
        settings: pipelineSettings({ ...process.env, SLIPWAY_SCRATCH_DIR: root }),
      });
      const lines = logs("where");
      const temp = /temp=(\S+)/.exec(lines.find((l) => l.startsWith("answer 42")) ?? "")?.[1] ?? "?";
      const [, outputDir, script] = /^output_dir=(\S+) script=(\S+)$/.exec(lines[0] ?? "") ?? [];
      if (expectedBelow === "scratch") {
        expect(outputDir?.startsWith(`${root}/slipway-run-`)).toBe(true);
        expect(script?.startsWith(`${root}/slipway-run-`)).toBe(true);
        // Nothing is left there once the run is over.
        expect(readdirSync(root)).toEqual([]);
      } else {
        expect(outputDir).toBe(join(temp, "_runner_file_commands"));
        expect(script?.startsWith(temp)).toBe(true);
      }
    }
  });

  it("gives each job an empty workspace, and a clean checkout of the run's commit with actions/checkout", async () => {
    const target = repo(["isolation.yml"], { "tracked.txt": "committed\n" });
    const sha = target.git("rev-parse", "HEAD");
    const { logs } = await run(target);
    expect(logs("writer")).toContain(`git sees ${sha}`);
    expect(logs("reader")).toContain("tracked=committed untracked=absent");
    // As on GitHub: GITHUB_WORKSPACE exists and is empty until a checkout, which replaces what
    // steps wrote there before it.
    expect(logs("no-checkout")).toContain("workspace exists=yes pwd_is_workspace=yes entries=0");
    expect(logs("no-checkout")).toContain("after checkout: scratch=absent tracked=committed");
    expect(readFileSync(join(target.dir, "tracked.txt"), "utf8")).toBe("committed\n");
    expect(target.git("worktree", "list").split("\n")).toHaveLength(1);
  });

  it("applies env precedence, GitHub variables, env/path/output files, working directories and shells", async () => {
    const target = repo(["environment.yml"], { "app/.keep": "" });
    const { job, logs } = await run(target);
    const lines = logs("env");
    expect(job("env").conclusion).toBe("success");
    expect(lines).toContain("level=step workflow_only=w job_only=j");
    expect(lines).toContain("ci=true actions=true event=push ref=refs/heads/main sha_ok=yes");
    expect(lines).toContain("job=env run_id_set=yes temp_exists=yes");
    expect(lines).toContain("cwd=app workspace_is_parent=yes");
    expect(lines).toContain("runner=Linux repo=local/" + target.dir.split("/").pop() + " actor=Ada");
    expect(lines).toContain("from_env_file=step-wins multi=line one|line two| ctx=true");
    expect(lines).toContain("tool-on-path");
    // The workspace directory's name is unique per job (it names the job's git worktree).
    expect(lines.filter((l) => l.startsWith("cwd="))).toEqual([
      "cwd=app workspace_is_parent=yes",
      expect.stringMatching(/^cwd=workspace-\w+$/),
    ]);
    expect(lines).toContain("node says 42");
    expect(lines).toContain("python says 42");
    expect(lines.some((l) => /^sh says .*step-\d+\.sh$/.test(l))).toBe(true);
    expect(job("missing-shell").conclusion).toBe("failure");
    expect(logs("missing-shell").join("\n")).toContain(
      "'definitely-not-installed-shell', which is not installed on this host",
    );
  });

  it("handles workflow commands under GitHub's rules", async () => {
    const target = repo(["commands.yml"]);
    const { job, logs } = await run(target);
    const lines = logs("commands");
    expect(lines).toContain("token is ***");
    expect(lines.join("\n")).not.toContain("dynamic-token-123");
    expect(lines).toContain("Warning (app.js:3): look here");
    expect(lines).toContain("Error: something is off");
    expect(lines).toContain("Notice: Note: fyi");
    expect(lines).toContain("Details");
    expect(lines).toContain("::warning::not a command while stopped");
    expect(lines).not.toContain("hidden");
    expect(lines).toContain("legacy=old-style");
    expect(job("commands").steps.map((s) => s.conclusion)).toEqual(["success", "success", "failure"]);
    expect(lines.join("\n")).toContain("the 'set-env' command is disabled");
  });

  it("kills the whole process group when a step times out", async () => {
    const target = repo(["timeout.yml"]);
    const marks = markDir();
    const { job, logs } = await run(target, { hostEnv: { ...process.env, MARK_DIR: marks } });
    expect(job("slow").steps.map((s) => s.conclusion)).toEqual(["failure", "success"]);
    expect(logs("slow").join("\n")).toContain("exceeded its timeout-minutes");
    expect(logs("slow")).toContain("still cleaned up");
    const child = Number(readFileSync(join(marks, "child.pid"), "utf8"));
    expect(isAlive(child)).toBe(false);
  });

  it("stops every process and records cancelled when the run is aborted", async () => {
    const target = repo(["sleeper.yml"]);
    const marks = markDir();
    const controller = new AbortController();
    const outcome = await run(target, {
      signal: controller.signal,
      hostEnv: { ...process.env, MARK_DIR: marks },
      onEvent: (event) => {
        if (event.type === "log" || (event.type === "step-started" && event.step === "sleep")) {
          setTimeout(() => controller.abort(), 300);
        }
      },
    });
    expect(outcome.result.conclusion).toBe("cancelled");
    expect(outcome.result.jobs[0]?.steps.map((s) => s.conclusion)).toEqual(["cancelled", "skipped"]);
    const pid = Number(readFileSync(join(marks, "sleeper.pid"), "utf8"));
    expect(isAlive(pid)).toBe(false);
    expect((await outcome.history.getRun(outcome.result.runId))?.conclusion).toBe("cancelled");
  });
});

describe("secrets", () => {
  it("masks secrets, their lines and base64 form in printed and stored output", async () => {
    const target = repo(["secrets.yml"]);
    const secrets = {
      API_TOKEN: "tok-9f8e7d6c5b",
      DEPLOY_KEY: "-----BEGIN KEY-----\nMIIEsecretline\n-----END KEY-----",
    };
    const { result, logs, history } = await run(target, { secrets });
    const printed = logs("leak").join("\n");
    const stored = (await history.getLogs(result.runId)).map((line) => line.text).join("\n");
    for (const text of [printed, stored]) {
      expect(text).toContain("plain: ***");
      expect(text).toContain("expression: ***");
      expect(text).toContain("base64: ***");
      expect(text).not.toContain("tok-9f8e7d6c5b");
      expect(text).not.toContain(Buffer.from("tok-9f8e7d6c5b").toString("base64"));
      expect(text).not.toContain("MIIEsecretline");
      expect(text).toContain("missing secret is empty: ''");
    }
  });
});

describe("actions", () => {
  it("dispatches uses: to built-in actions with lower-cased inputs, outputs and post in reverse order", async () => {
    const target = repo(["actions.yml"]);
    const calls: string[] = [];
    const recorder = (version: string): BuiltinAction => ({
      name: "test/recorder",
      inputs: { greeting: { description: "what to say", default: "default greeting" } },
      run(context) {
        calls.push(`run ${version} ${context.inputs.greeting} ${context.github.eventName}`);
        context.state.set("version", version);
        context.setOutput("echo", `${version}:${context.inputs.greeting}`);
        return Promise.resolve();
      },
      post(context, job) {
        calls.push(`post ${context.state.get("version")} ${job.status}`);
        return Promise.resolve();
      },
    });
    const { job, logs } = await run(target, {
      findAction: (uses) =>
        uses.startsWith("test/recorder@") ? recorder(uses.split("@")[1] ?? "") : undefined,
    });
    expect(calls).toEqual([
      "run v1 hello push push",
      "run v2 default greeting push",
      "post v2 failure",
      "post v1 failure",
    ]);
    expect(logs("use")).toContain("first said v1:hello push second said v2:default greeting");
    expect(job("use").conclusion).toBe("failure");
  });
});

describe("local actions", () => {
  it("runs composite and JavaScript actions from the repository with inputs, outputs, env and post", async () => {
    const files: Record<string, string> = {};
    for (const path of ["greet/action.yml", "js/action.yml", "js/index.js", "js/post.js"]) {
      files[`.github/actions/${path}`] = readFileSync(join(FIXTURES, "local-actions", path), "utf8");
    }
    const target = repo(["local-actions.yml"], files);
    const { job, logs } = await run(target);
    const lines = logs("use");
    expect(lines).toContain("action path ends with greet");
    expect(lines).toContain("composite said 'Hello from push, Ada' shout='ADA' env=yes");
    expect(lines).toContain("main ran for Grace");
    expect(lines).toContain("js said 'hi Grace'");
    expect(lines).toContain("Error: ./.github/actions/js: input 'who' is required");
    expect(lines).toContain("missing input outcome=failure");
    expect(lines.filter((line) => line.startsWith("post ran for"))).toEqual(["post ran for Grace"]);
    expect(job("use").conclusion).toBe("success");
  });
});

describe("reusable workflows", () => {
  it("runs a local reusable workflow with typed inputs, mapped secrets and outputs", async () => {
    const target = repo(["reusable-caller.yml", "reusable-called.yml"]);
    const { results, logs } = await run(target, {
      workflowFile: ".github/workflows/reusable-caller.yml",
      secrets: { DEPLOY_TOKEN: "tok-123456" },
    });
    const result = results[0] as RunResult;
    expect(result.conclusion).toBe("success");
    expect(result.jobs.map((job) => `${job.key}: ${job.conclusion}`)).toEqual([
      "prepare: success",
      "call / deploy: success",
      "after: success",
    ]);
    expect(logs("call / deploy")).toContain(
      "deploying to staging verbose=true replicas=2 event=push token=***",
    );
    expect(logs("after")).toContain("called workflow said https://staging.example.com (success)");
  });
});

describe("artifacts between jobs", () => {
  it("download-artifact without a path writes into the workspace itself, as GitHub's does", async () => {
    const target = repo([], {
      ".github/workflows/artifacts.yml": [
        "on: push",
        "jobs:",
        "  make:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: mkdir out && echo built > out/result.txt",
        "      - uses: actions/upload-artifact@v4",
        "        with: { name: result, path: out }",
        "  use:",
        "    needs: make",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/download-artifact@v4",
        "        with: { name: result }",
        '      - run: cat result.txt && test ! -e "\\$GITHUB_WORKSPACE"',
        "",
      ].join("\n"),
    });
    const outcome = await run(target);
    expect(outcome.job("use").conclusion, outcome.logs("use").join("\n")).toBe("success");
    expect(outcome.logs("use")).toContain("built");
  });
});
