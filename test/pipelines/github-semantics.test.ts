// GitHub Actions semantics found wrong on real projects' workflows (issue 13), each checked end
// to end through the library API (runWorkflows) on a real git repository.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JobResult, RunEvent, RunResult } from "../../src/core/workflow/model.js";
import { runWorkflows, type RunOptions } from "../../src/pipelines/run.js";
import { openStore } from "../../src/store/index.js";
import { type TestRepo, scratch } from "./helpers.js";

const { repo, onCleanup, tempDir } = scratch();

interface Outcome {
  results: RunResult[];
  result: RunResult;
  logs(job: string): string[];
  job(key: string): JobResult;
}

async function run(target: TestRepo, options: Partial<RunOptions> = {}): Promise<Outcome> {
  const store = await openStore("sqlite::memory:");
  onCleanup(() => store.close());
  const events: RunEvent[] = [];
  const results = await runWorkflows({
    dir: target.dir,
    maxParallel: 4,
    history: store.runs,
    onEvent: (event) => events.push(event),
    ...options,
  });
  const result = results[0] as RunResult;
  return {
    results,
    result,
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

const crlf = (text: string): string => text.replace(/\n/g, "\r\n");

describe("parallel jobs and their workspaces", () => {
  it("runs a 12-job matrix with checkout 5 times in a row without a workspace failure", async () => {
    const target = repo({
      ".github/workflows/matrix.yml": `name: Matrix
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        shard: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    steps:
      - uses: actions/checkout@v4
      - run: test -f README.md && echo "shard \${{ matrix.shard }} in $(basename "$GITHUB_WORKSPACE")"
`,
    });
    const workspaces = new Set<string>();
    for (let attempt = 0; attempt < 5; attempt++) {
      const { result, logs } = await run(target, { maxParallel: 12 });
      const failed = result.jobs.filter((job) => job.conclusion !== "success");
      expect(failed.map((job) => `${job.key}: ${job.reason ?? ""}`)).toEqual([]);
      expect(result.jobs).toHaveLength(12);
      for (const line of logs("test"))
        if (line.startsWith("shard ")) workspaces.add(line.split(" in ")[1] ?? "");
    }
    // Every job of every run had a workspace of its own name (git names worktrees after it).
    expect(workspaces.size).toBe(60);
    expect(target.git("worktree", "list").split("\n")).toHaveLength(1);
  }, 600_000);

  it("runs two calls of one reusable workflow at once without clashing on their job directories", async () => {
    const target = repo({
      ".github/workflows/caller.yml": `name: Caller
on: push
jobs:
  one:
    uses: ./.github/workflows/called.yml
  two:
    uses: ./.github/workflows/called.yml
`,
      ".github/workflows/called.yml": `name: Called
on: workflow_call
jobs:
  work:
    runs-on: ubuntu-latest
    steps:
      - run: |
          mkdir -p "$RUNNER_TEMP/deep/tree"
          for i in $(seq 1 200); do echo $i > "$RUNNER_TEMP/deep/tree/f$i"; done
          echo "$GITHUB_WORKSPACE" > "$RUNNER_TEMP/where"
          echo "wrote in $RUNNER_TEMP"
`,
    });
    const { result, logs } = await run(target, { workflowFile: ".github/workflows/caller.yml" });
    expect(result.jobs.map((job) => `${job.key}: ${job.conclusion}`)).toEqual([
      "one / work: success",
      "two / work: success",
    ]);
    const temps = [...logs("one / work"), ...logs("two / work")].filter((l) => l.startsWith("wrote in"));
    expect(new Set(temps).size).toBe(2);
  });
});

describe("reusable workflows called with a matrix", () => {
  it("calls the workflow once per combination with matrix in with:, and the job's outputs follow the last call", async () => {
    const target = repo({
      ".github/workflows/caller.yml": `name: Caller
on: push
jobs:
  test:
    strategy:
      matrix:
        node: [20, 22]
        os: [linux]
    uses: ./.github/workflows/called.yml
    with:
      node: \${{ matrix.node }}
  report:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: echo "result=\${{ needs.test.result }} node=\${{ needs.test.outputs.node }}"
`,
      ".github/workflows/called.yml": `name: Called
on:
  workflow_call:
    inputs:
      node: { type: number, required: true }
    outputs:
      node:
        value: \${{ jobs.work.outputs.node }}
jobs:
  work:
    runs-on: ubuntu-latest
    outputs:
      node: \${{ steps.v.outputs.node }}
    steps:
      - id: v
        run: |
          echo "testing on node \${{ inputs.node }}"
          echo "node=\${{ inputs.node }}" >> "$GITHUB_OUTPUT"
`,
    });
    // One job at a time: the calls run in the matrix's order, so the one for 22 finishes last.
    const { result, logs } = await run(target, {
      workflowFile: ".github/workflows/caller.yml",
      maxParallel: 1,
    });
    expect(result.jobs.map((job) => `${job.key}: ${job.conclusion}`)).toEqual([
      "test (20, linux) / work: success",
      "test (22, linux) / work: success",
      "report: success",
    ]);
    expect(logs("test (20, linux) / work")).toContain("testing on node 20");
    expect(logs("test (22, linux) / work")).toContain("testing on node 22");
    expect(logs("report")).toContain("result=success node=22");
  });

  it("with fail-fast, a failing call cancels the running call and the one max-parallel held back", async () => {
    const target = repo({
      ".github/workflows/caller.yml": `name: Caller
on: push
jobs:
  test:
    strategy:
      max-parallel: 2
      matrix:
        leg: [fails, slow, later]
    uses: ./.github/workflows/called.yml
    with:
      leg: \${{ matrix.leg }}
  report:
    needs: test
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "result=\${{ needs.test.result }}"
`,
      ".github/workflows/called.yml": `name: Called
on:
  workflow_call:
    inputs:
      leg: { type: string, required: true }
jobs:
  work:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "leg \${{ inputs.leg }}, index \${{ strategy.job-index }} of \${{ strategy.job-total }}"
          if [ "\${{ inputs.leg }}" = fails ]; then sleep 0.3; exit 1; fi
          sleep 30
`,
    });
    const { result, job, logs } = await run(target, { workflowFile: ".github/workflows/caller.yml" });
    // "slow" was stopped in its sleep (it would have succeeded after 30 s).
    expect(result.jobs.map((j) => `${j.key}: ${j.conclusion}`)).toEqual([
      "test (fails) / work: failure",
      "test (slow) / work: cancelled",
      "test (later) / work: cancelled",
      "report: success",
    ]);
    expect(job("test (later) / work").reason).toBe("cancelled by fail-fast");
    expect(logs("test (later) / work")).toEqual([]);
    expect(logs("report")).toContain("result=failure");
    expect(result.conclusion).toBe("failure");
  });
});

describe("CRLF files", () => {
  it("runs a CRLF workflow and CRLF local action as if they had LF line ends", async () => {
    const target = repo({
      ".github/workflows/crlf.yml": crlf(`name: CRLF
on: push
env:
  GREETING: hello
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        include:
          - os: linux
            flavour: plain
    steps:
      - uses: actions/checkout@v4
      - name: script
        run: |
          echo "greeting=[\${{ env.GREETING }}] os=[\${{ matrix.os }}]"
          printf 'line-end=[%s]\\n' "$(printf %s "\${{ matrix.flavour }}" | od -An -c | tr -s ' ')"
          exit 0
      - uses: ./.github/actions/hello
        with:
          who: |
            Ada
`),
      ".github/actions/hello/action.yml": crlf(`name: hello
description: says hello
inputs:
  who:
    description: who
runs:
  using: composite
  steps:
    - run: |
        echo "hello [\${{ inputs.who }}]"
        exit 0
      shell: bash
`),
    });
    const { result, logs } = await run(target);
    expect(result.conclusion).toBe("success");
    const lines = logs("test");
    expect(lines).toContain("greeting=[hello] os=[linux]");
    expect(lines).toContain("line-end=[ p l a i n]");
    expect(lines).toContain("hello [Ada");
    expect(lines.some((line) => line.includes("\r"))).toBe(false);
  });
});

/** A workflow whose one job checks out and uses the local actions `.github/actions/<name>` in turn. */
const usesLocal = (...names: string[]): string => `name: Local
on: push
jobs:
  use:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
${names.map((name) => `      - uses: ./.github/actions/${name}\n`).join("")}`;

describe("local actions", () => {
  it("accepts action.yml files with only runs (no name or description), as GitHub's runner does", async () => {
    const target = repo({
      ".github/workflows/local.yml": usesLocal("composite", "node"),
      ".github/actions/composite/action.yml": `runs:
  using: composite
  steps:
    - run: echo "composite without a name"
      shell: bash
`,
      ".github/actions/node/action.yaml": `runs:
  using: node20
  main: main.js
`,
      ".github/actions/node/main.js": `console.log("node action without a name");\n`,
    });
    const { result, logs } = await run(target);
    expect(logs("use").filter((line) => line.startsWith("Error"))).toEqual([]);
    expect(result.conclusion).toBe("success");
    expect(logs("use")).toEqual(
      expect.arrayContaining(["composite without a name", "node action without a name"]),
    );
  });

  it("ignores action.yml's Marketplace metadata (branding, author), which GitHub's runner does not check", async () => {
    // danielroe/uppt/pr@v0.5.5 has branding.color 'black', outside the parser's Marketplace list.
    const target = repo({
      ".github/workflows/local.yml": usesLocal("composite", "node"),
      ".github/actions/composite/action.yml": `name: composite
description: branded
branding:
  icon: coffee
  color: black
runs:
  using: composite
  steps:
    - run: echo "branded composite ran"
      shell: bash
`,
      ".github/actions/node/action.yml": `name: node
branding:
  color: pink
  extra: 1
runs:
  using: node20
  main: main.js
`,
      ".github/actions/node/main.js": `console.log("branded node action ran");\n`,
    });
    const { result, logs } = await run(target);
    expect(logs("use").filter((line) => line.startsWith("Error"))).toEqual([]);
    expect(result.conclusion).toBe("success");
    expect(logs("use")).toEqual(expect.arrayContaining(["branded composite ran", "branded node action ran"]));
  });

  it("gives a composite step's env the strings GitHub does: a missing value is empty, not 'null'", async () => {
    // codecov/codecov-action@v5 sets GITHUB_EVENT_PULL_REQUEST_HEAD_REPO_FULL_NAME from
    // github.event.pull_request.head.repo.full_name and takes any non-empty value on a push for a fork.
    const target = repo({
      ".github/workflows/local.yml": usesLocal("composite"),
      ".github/actions/composite/action.yml": `runs:
  using: composite
  steps:
    - run: echo "missing=[$MISSING] number=[$NUMBER] flag=[$FLAG] object=$(echo $OBJECT | tr -d " ")"
      shell: bash
      env:
        MISSING: \${{ github.event.pull_request.head.repo.full_name }}
        NUMBER: \${{ fromJSON('1') }}
        FLAG: \${{ github.event_name == 'push' }}
        OBJECT: \${{ fromJSON('{"a":1}') }}
`,
    });
    const { result, logs } = await run(target);
    expect(logs("use").filter((line) => line.startsWith("Error"))).toEqual([]);
    expect(result.conclusion).toBe("success");
    const line = logs("use").find((text) => text.startsWith("missing="));
    expect(line?.replace(/\s+/g, "")).toBe('missing=[]number=[1]flag=[true]object={"a":1}');
  });

  it("still reports what action.yml lacks that the runner needs (runs.using)", async () => {
    const target = repo({
      ".github/workflows/local.yml": usesLocal("broken"),
      ".github/actions/broken/action.yml": `runs:
  main: main.js
`,
    });
    const { result, logs } = await run(target);
    expect(result.conclusion).toBe("failure");
    expect(logs("use").join("\n")).toMatch(/action\.yml:\d+:\d+: .*using/);
  });
});

describe("fail-fast and post steps", () => {
  it("reports a fail-fast matrix and needs.<id>.result as failure, its cancelled legs as cancelled", async () => {
    const target = repo({
      ".github/workflows/ff.yml": `name: FF
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        leg: [bad, slow]
    steps:
      - run: |
          if [ "\${{ matrix.leg }}" = bad ]; then
            for i in $(seq 1 100); do [ -f "$RUNNER_TEMP/../../slow-started" ] && break; sleep 0.1; done
            exit 1
          fi
          touch "$RUNNER_TEMP/../../slow-started"
          sleep 30
  report:
    needs: test
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "test result=\${{ needs.test.result }}"
`,
    });
    const { result, job, logs } = await run(target);
    expect(job("test (bad)").conclusion).toBe("failure");
    expect(job("test (slow)").conclusion).toBe("cancelled");
    expect(logs("report")).toContain("test result=failure");
    expect(result.conclusion).toBe("failure");
  });

  it("fails the job when a post step fails, and shows the post step", async () => {
    const target = repo({
      ".github/workflows/post.yml": `name: Post
on: push
jobs:
  use:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./.github/actions/cleanup
      - run: echo main steps passed
`,
      ".github/actions/cleanup/action.yml": `runs:
  using: node20
  main: main.js
  post: post.js
`,
      ".github/actions/cleanup/main.js": `console.log("main");\n`,
      ".github/actions/cleanup/post.js": `console.log("post fails"); process.exit(3);\n`,
    });
    const { result, job } = await run(target);
    expect(job("use").conclusion).toBe("failure");
    expect(job("use").steps.map((step) => `${step.name}: ${step.conclusion}`)).toEqual([
      "Run actions/checkout@v4: success",
      "Run ./.github/actions/cleanup: success",
      "Run echo main steps passed: success",
      "Post ./.github/actions/cleanup (post): failure",
    ]);
    expect(result.conclusion).toBe("failure");
  });
});

const PR_WORKFLOW = `name: PR
on:
  pull_request:
    branches: [master]
    paths-ignore: ["docs/**"]
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "base=\${{ github.base_ref }} head=\${{ github.head_ref }} number=\${{ github.event.number }} action=\${{ github.event.action }} base.sha=\${{ github.event.pull_request.base.sha }} head.sha=\${{ github.event.pull_request.head.sha }}"
`;

describe("pull_request base branch", () => {
  it("takes the base from the repository's default branch (master here), and diffs against it", async () => {
    const target = repo({ ".github/workflows/pr.yml": PR_WORKFLOW });
    target.git("branch", "-m", "master");
    const masterSha = target.git("rev-parse", "HEAD");
    target.git("checkout", "-q", "-b", "feature");
    const head = target.commit({ "src/a.ts": "x\n" });
    const { result, logs } = await run(target, { event: "pull_request" });
    expect(result.conclusion).toBe("success");
    expect(logs("show")).toContain(
      `base=master head=feature number=1 action=opened base.sha=${masterSha} head.sha=${head}`,
    );
    // A docs-only change is ignored: the diff is against master, not the commit's files.
    target.commit({ "src/a.ts": "y\n" });
    target.git("checkout", "-q", "master");
    target.git("checkout", "-q", "-b", "docs-only");
    target.commit({ "docs/guide.md": "doc\n" });
    const docs = await run(target, { event: "pull_request" });
    expect(docs.result.conclusion).toBe("skipped");
    expect(docs.result.reason).toContain("paths-ignore");
  });

  it("prefers origin/HEAD, and says why paths filters cannot be checked when the base is missing", async () => {
    const origin = repo({ ".github/workflows/pr.yml": PR_WORKFLOW.replace("[master]", "[trunk]") });
    origin.git("branch", "-m", "trunk");
    const clone = repo({});
    clone.git("remote", "add", "origin", origin.dir);
    clone.git("fetch", "-q", "origin");
    clone.git("checkout", "-q", "-b", "feature", "origin/trunk");
    clone.git("remote", "set-head", "origin", "trunk");
    clone.commit({ "src/b.ts": "b\n" });
    const fromOrigin = await run(clone, { event: "pull_request" });
    expect(fromOrigin.result.conclusion).toBe("success");
    expect(fromOrigin.logs("show")[0]).toMatch(/^base=trunk head=feature /);

    // An explicit base branch that does not exist: paths-ignore cannot be decided, and says so.
    const missing = await run(clone, {
      event: "pull_request",
      eventPayload: { pull_request: { base: { ref: "trunk-that-is-gone" } } },
    });
    expect(missing.result.conclusion).toBe("skipped");
    expect(missing.result.reason).toBe("target branch trunk-that-is-gone does not match [trunk]");
    const noBase = await run(clone, {
      event: "pull_request",
      eventPayload: { pull_request: { base: { ref: "trunk" } } },
      base: "refs/heads/does-not-exist",
    });
    expect(noBase.result.conclusion).toBe("skipped");
    expect(noBase.result.reason).toMatch(/paths-ignore cannot be checked: .*--base/);
  });
});

describe("github.event without --event-file", () => {
  it("fills a push: ref, before, after, repository.default_branch, head_commit, commits", async () => {
    const target = repo({
      ".github/workflows/push.yml": `name: Push
on: push
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "ref=\${{ github.event.ref }} before=\${{ github.event.before }} after=\${{ github.event.after }}"
          echo "default=\${{ github.event.repository.default_branch }} msg=\${{ github.event.head_commit.message }}"
          echo "commits=\${{ join(github.event.commits.*.message, '|') }} author=\${{ github.event.head_commit.author.name }}"
          echo "from file: $(jq -r .after "$GITHUB_EVENT_PATH" 2>/dev/null || node -e 'console.log(require(process.env.GITHUB_EVENT_PATH).after)')"
`,
    });
    const before = target.git("rev-parse", "HEAD");
    target.commit({ "a.txt": "a\n" }, "first change");
    const after = target.commit({ "b.txt": "b\n" }, "second change");
    const { result, logs } = await run(target, { base: before });
    expect(result.conclusion).toBe("success");
    expect(logs("show")).toEqual([
      `ref=refs/heads/main before=${before} after=${after}`,
      "default=main msg=second change",
      "commits=first change|second change author=Ada",
      `from file: ${after}`,
    ]);
  });

  it("describes a push of HEAD as GitHub would, whatever the commit: child, root, detached, merge", async () => {
    const target = repo({
      ".github/workflows/push.yml": `name: Push
on:
  push:
    paths: ["src/**"]
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "ref=\${{ github.ref }} before=\${{ github.event.before }} after=\${{ github.event.after }} created=\${{ github.event.created }}"
          echo "commits=\${{ join(github.event.commits.*.message, '|') }} head=\${{ github.event.head_commit.message }} default=\${{ github.event.repository.default_branch }}"
`,
    });
    const shown = async () => {
      const { result, logs } = await run(target);
      return result.conclusion === "skipped" ? [`skipped: ${result.reason}`] : logs("show");
    };
    // A child commit: before is its parent. Git quotes this path when not asked for NUL-separated names.
    const parent = target.git("rev-parse", "HEAD");
    const child = target.commit({ "src/naïve file.ts": "x\n" }, "child");
    expect(await shown()).toEqual([
      `ref=refs/heads/main before=${parent} after=${child} created=false`,
      "commits=child head=child default=main",
    ]);
    target.commit({ "docs/readme.md": "d\n" }, "docs only");
    expect(await shown()).toEqual([expect.stringMatching(/^skipped: .*paths/)]);

    // Detached: the ref is the commit.
    target.git("checkout", "-q", "--detach", child);
    expect((await shown())[0]).toBe(`ref=${child} before=${parent} after=${child} created=false`);

    // A merge: the merged branch's commits are the push's too, and files count against the first parent.
    target.git("checkout", "-q", "main");
    target.git("checkout", "-q", "-b", "topic", parent);
    target.commit({ "src/topic.ts": "t\n" }, "topic work");
    target.git("checkout", "-q", "main");
    const beforeMerge = target.git("rev-parse", "HEAD");
    target.git("merge", "-q", "--no-ff", "-m", "merge topic", "topic");
    const merge = target.git("rev-parse", "HEAD");
    expect(await shown()).toEqual([
      `ref=refs/heads/main before=${beforeMerge} after=${merge} created=false`,
      "commits=topic work|merge topic head=merge topic default=main",
    ]);

    // A root commit: created, before is zeros, and its files are what it changed.
    target.git("checkout", "-q", "--orphan", "fresh");
    const root = target.commit({ "src/new.ts": "n\n" }, "root");
    expect(await shown()).toEqual([
      `ref=refs/heads/fresh before=${"0".repeat(40)} after=${root} created=true`,
      "commits=root head=root default=main",
    ]);
  });

  it("fills workflow_dispatch inputs, and lets an event file override single fields", async () => {
    const target = repo({
      ".github/workflows/dispatch.yml": `name: Dispatch
on:
  workflow_dispatch:
    inputs:
      level:
        type: choice
        options: [low, high]
        default: low
  pull_request:
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "event=\${{ github.event_name }} level=\${{ github.event.inputs.level }} number=\${{ github.event.number }} head=\${{ github.event.pull_request.head.ref }}"
`,
    });
    const dispatch = await run(target, { event: "workflow_dispatch", inputs: { level: "high" } });
    expect(dispatch.logs("show")).toEqual(["event=workflow_dispatch level=high number= head="]);
    target.git("checkout", "-q", "-b", "topic");
    target.commit({ "x.txt": "x\n" });
    const pr = await run(target, { event: "pull_request", eventPayload: { number: 42 } });
    expect(pr.logs("show")).toEqual(["event=pull_request level= number=42 head=topic"]);
  });
});

describe("schedule from the command line", () => {
  it("sets github.event.schedule to the workflow's first cron", async () => {
    const target = repo({
      ".github/workflows/nightly.yml": `name: Nightly
on:
  schedule:
    - cron: "0 3 * * *"
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "cron=\${{ github.event.schedule }}"
`,
    });
    const { logs } = await run(target, { event: "schedule" });
    expect(logs("show")).toEqual(["cron=0 3 * * *"]);
  });
});

describe("matrices as GitHub evaluates them", () => {
  it("expands lists of objects and fromJSON of a legacy ::set-output", async () => {
    const target = repo({
      ".github/workflows/matrix.yml": `name: Matrix
on: push
jobs:
  plan:
    runs-on: ubuntu-latest
    outputs:
      targets: \${{ steps.plan.outputs.targets }}
    steps:
      - id: plan
        run: echo '::set-output name=targets::[{"name":"api","port":8080},{"name":"web","port":3000}]'
  build:
    needs: plan
    runs-on: ubuntu-latest
    strategy:
      matrix:
        target: \${{ fromJSON(needs.plan.outputs.targets) }}
        node: [{ version: 20, lts: true }]
    steps:
      - run: echo "\${{ matrix.target.name }}:\${{ matrix.target.port }} node \${{ matrix.node.version }} lts=\${{ matrix.node.lts }} \${{ toJSON(matrix.target) == toJSON(fromJSON(format('{{"name":"{0}","port":{1}}}', matrix.target.name, matrix.target.port))) }}"
`,
    });
    const { result, logs } = await run(target);
    expect(result.jobs.map((job) => `${job.name}: ${job.conclusion}`)).toEqual([
      "plan: success",
      'build ({"name":"api","port":8080}, {"version":20,"lts":true}): success',
      'build ({"name":"web","port":3000}, {"version":20,"lts":true}): success',
    ]);
    expect(logs("build").sort()).toEqual([
      "api:8080 node 20 lts=true true",
      "web:3000 node 20 lts=true true",
    ]);
  });
});

describe("boolean inputs of the built-in actions", () => {
  it("reads them as actions/checkout, setup-node and cache do: only 'true' (any case) is true", async () => {
    // npm/ini (@npmcli/template-oss) passes `check-latest: contains('26.x', '.x')`, a plain
    // string: setup-node reads it as false, where Slipway failed the step.
    const major = process.versions.node.split(".")[0] ?? "";
    const target = repo({
      ".github/workflows/inputs.yml": `name: Inputs
on: push
jobs:
  inputs:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo kept > untracked.txt
      - uses: actions/checkout@v4
        with:
          clean: "no"
      - run: cat untracked.txt
      - uses: actions/setup-node@v4
        with:
          node-version: ${major}.x
          check-latest: contains('${major}.x', '.x')
      - uses: actions/cache@v4
        with:
          path: untracked.txt
          key: inputs-\${{ github.sha }}
          lookup-only: "yes"
          fail-on-cache-miss: "True "
`,
    });
    const { result, logs } = await run(target);
    const lines = logs("inputs");
    expect(lines).toContain("kept");
    // fail-on-cache-miss "True " is true (inputs are trimmed): the miss is the only error.
    expect(lines.filter((line) => line.startsWith("Error"))).toEqual([
      expect.stringMatching(/^Error: Failed to restore cache entry/),
    ]);
    expect(result.conclusion).toBe("failure");
  });
});

describe("caches of paths outside the workspace", () => {
  it("restores one cache into the same host folder from 4 parallel legs without tar clashing", async () => {
    // helmetjs/helmet caches ~/.npm (the host's npm cache, which jobs share): two legs restoring
    // it at once failed in tar with "Cannot open: File exists". GitHub gives each job a machine.
    const dataDir = tempDir("slipway-cache-outside-");
    const shared = join(dataDir, "shared-folder");
    const target = repo({
      ".github/workflows/cache.yml": `name: Cache
on: push
jobs:
  legs:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        leg: [1, 2, 3, 4]
    steps:
      - run: |
          for d in $(seq 1 20); do mkdir -p "${shared}/d$d"; for f in $(seq 1 150); do echo $f > "${shared}/d$d/f$f"; done; done
      - uses: actions/cache@v4
        with:
          path: ${shared}
          key: outside-\${{ github.sha }}
`,
    });
    const first = await run(target, { dataDir, workflowFile: ".github/workflows/cache.yml", maxParallel: 1 });
    expect(first.result.conclusion).toBe("success");
    const second = await run(target, {
      dataDir,
      workflowFile: ".github/workflows/cache.yml",
      maxParallel: 4,
    });
    const errors = ["legs (1)", "legs (2)", "legs (3)", "legs (4)"].flatMap((leg) =>
      second.logs(leg).filter((line) => line.startsWith("Error")),
    );
    expect(errors).toEqual([]);
    expect(second.result.jobs.map((job) => job.conclusion)).toEqual(Array<string>(4).fill("success"));
    expect(second.logs("legs (1)").join("\n")).toMatch(/Cache restored from key: outside-/);
  });
});
