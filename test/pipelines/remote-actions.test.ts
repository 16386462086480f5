// Remote actions (`uses: owner/repo[/path]@ref`) served by a real git server on loopback
// (git http-backend): JavaScript actions with pre/main/post, outputs and state, composite actions
// with nested remote uses, Docker actions refused when reached, unreachable actions behind
// `if: false`, SHA pinning, and the actions cache reused by the next run.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent, RunResult } from "../../src/core/workflow/model.js";
import { runWorkflows } from "../../src/pipelines/run.js";
import { pipelineSettings } from "../../src/pipelines/settings.js";
import { startGitServer, type GitServer } from "./git-server.js";
import { runCli, type TestRepo, scratch } from "./helpers.js";

const JS_ACTION = {
  "action.yml": `name: hello
description: says hello
inputs:
  who:
    description: whom to greet
    required: true
  greeting:
    description: the word
    default: Hello
outputs:
  said:
    description: what it said
runs:
  using: node20
  pre: pre.js
  pre-if: runner.os == 'Linux'
  main: main.js
  post: post.js
  post-if: success()
`,
  "pre.js": `console.log("pre ran for " + process.env.INPUT_WHO);\n`,
  "main.js": `const fs = require("node:fs");
const said = process.env.INPUT_GREETING + " " + process.env.INPUT_WHO + " from " + require("./version.json").v;
console.log("main: " + said + " path=" + process.env.GITHUB_ACTION_PATH);
fs.appendFileSync(process.env.GITHUB_OUTPUT, "said=" + said + "\\n");
fs.appendFileSync(process.env.GITHUB_STATE, "started=yes-" + process.env.INPUT_WHO + "\\n");
`,
  "post.js": `console.log("post ran with state " + process.env.STATE_started);\n`,
  "version.json": `{"v": "v1.0"}\n`,
};

const COMPOSITE_ACTION = {
  "greet/action.yml": `name: greet
description: a composite action with a nested remote action
runs:
  using: composite
  steps:
    - run: echo "composite step for $WHO"
      shell: bash
      env:
        WHO: \${{ inputs.who }}
    - id: inner
      uses: acme/hello@v1
      with:
        who: \${{ inputs.who }}
inputs:
  who:
    description: whom
outputs:
  said:
    description: what the inner action said
    value: \${{ steps.inner.outputs.said }}
`,
};

const DOCKER_ACTION = {
  "action.yml": `name: scan
description: a container action
runs:
  using: docker
  image: Dockerfile
`,
  Dockerfile: "FROM alpine\n",
};

const WORKFLOW = `name: remote
on: push
jobs:
  use:
    runs-on: ubuntu-latest
    steps:
      - id: js
        uses: acme/hello@v1
        with:
          who: world
      - run: echo "js said '\${{ steps.js.outputs.said }}'"
      - id: comp
        uses: acme/kit/greet@v2
        with:
          who: composite
      - run: echo "composite said '\${{ steps.comp.outputs.said }}'"
      - name: never resolved
        if: false
        uses: nobody/does-not-exist@v9
  skipped:
    if: false
    runs-on: ubuntu-latest
    container: node:20
    steps:
      - uses: docker://alpine
  docker:
    needs: use
    runs-on: ubuntu-latest
    steps:
      - run: echo before the scan
      - name: Scan image
        uses: acme/scan@v1
      - run: echo after the scan
`;

const PR_ONLY = `name: pr only
on: pull_request
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: someone/unreachable-action@v1
      - uses: docker://alpine:3
`;

let server: GitServer;
let helloV1: string;
beforeAll(async () => {
  server = await startGitServer();
  helloV1 = server.publish("acme/hello", JS_ACTION, { tag: "v1" });
  server.publish("acme/kit", COMPOSITE_ACTION, { tag: "v2" });
  server.publish("acme/scan", DOCKER_ACTION, { tag: "v1" });
});
afterAll(async () => {
  await server.close();
});

const { tempDir, repo, onCleanup } = scratch();

async function run(target: TestRepo, cacheDir: string, serverUrl = server.url) {
  const events: RunEvent[] = [];
  const results = await runWorkflows({
    dir: target.dir,
    maxParallel: 2,
    settings: pipelineSettings({ SLIPWAY_CACHE_DIR: cacheDir, SLIPWAY_ACTIONS_SERVER_URL: serverUrl }),
    onEvent: (event) => events.push(event),
  });
  const logs = (job: string): string =>
    events
      .flatMap((event) => (event.type === "log" && event.key === job ? [event.line.text] : []))
      .join("\n");
  return { results, result: results.find((r) => r.workflow === "remote") as RunResult, logs };
}

describe("remote actions", () => {
  it("runs JavaScript and composite actions from the server, refuses Docker when reached, and reuses the cache", async () => {
    const cacheDir = tempDir("slipway-actions-cache-");
    const target = repo({ ".github/workflows/remote.yml": WORKFLOW, ".github/workflows/pr.yml": PR_ONLY });

    const first = await run(target, cacheDir);
    // The pull_request-only file is never examined for what it uses.
    expect(first.results.find((r) => r.workflow === "pr only")).toMatchObject({ conclusion: "skipped" });
    const { result, logs } = first;
    const job = (id: string) => result.jobs.find((j) => j.id === id);
    const use = logs("use");
    expect(job("use")?.conclusion, use).toBe("success");
    expect(use).toContain(`Download action repository 'acme/hello@v1' (SHA:${helloV1})`);
    expect(use).toContain("pre ran for world");
    expect(use).toMatch(
      new RegExp(
        `main: Hello world from v1\\.0 path=${cacheDir}/actions/127\\.0\\.0\\.1_\\d+/acme/hello/${helloV1}`,
      ),
    );
    expect(use).toContain("js said 'Hello world from v1.0'");
    expect(use).toContain("composite step for composite");
    expect(use).toContain("composite said 'Hello composite from v1.0'");
    // Post steps run after the job, with the state their main step saved.
    expect(use).toContain("post ran with state yes-world");
    expect(use).toContain("post ran with state yes-composite");
    expect(use).not.toContain("does-not-exist");
    expect(job("use")?.steps.find((s) => s.name === "never resolved")?.conclusion).toBe("skipped");

    expect(job("skipped")?.conclusion).toBe("skipped");

    const docker = job("docker");
    expect(docker?.conclusion).toBe("failure");
    expect(docker?.steps.map((s) => [s.name, s.conclusion])).toEqual([
      ["Run echo before the scan", "success"],
      ["Scan image", "failure"],
      ["Run echo after the scan", "skipped"],
    ]);
    expect(logs("docker")).toMatch(/acme\/scan@v1 is a Docker action \(runs\.using: docker\)/);
    expect(result.conclusion).toBe("failure");

    // Second run: every action comes from the actions cache, nothing is fetched again.
    const second = await run(target, cacheDir);
    expect(second.result.jobs.find((j) => j.id === "use")?.conclusion).toBe("success");
    expect(second.logs("use")).not.toContain("Download action repository");
    expect(second.logs("use")).toContain(
      `Using action 'acme/hello@v1' (SHA:${helloV1}) from the actions cache`,
    );
    expect(readdirSync(join(cacheDir, "actions")).length).toBe(1);
  }, 120_000);

  it("pins a SHA (no network once cached), follows a moved tag, and fails a step whose action is missing", async () => {
    const cacheDir = tempDir("slipway-actions-cache-");
    // Its own server, stopped at the end to show the pinned action needs no network.
    const own = await startGitServer();
    onCleanup(() => void own.close());
    const helloV1 = own.publish("acme/hello", JS_ACTION, { tag: "v1" });
    const pinned = `name: remote
on: push
jobs:
  pin:
    runs-on: ubuntu-latest
    steps:
      - id: old
        uses: acme/hello@${helloV1}
        with: { who: pinned }
      - id: tag
        uses: acme/hello@v1
        with: { who: tagged }
      - run: echo "old='\${{ steps.old.outputs.said }}' tag='\${{ steps.tag.outputs.said }}'"
      - name: missing
        uses: acme/hello@v404
      - name: unknown commit
        if: always()
        uses: acme/hello@${"0".repeat(40)}
      - name: unknown repository
        if: always()
        uses: acme/nowhere@${helloV1}
`;
    const target = repo({ ".github/workflows/remote.yml": pinned });
    const first = await run(target, cacheDir, own.url);
    expect(first.logs("pin")).toContain("old='Hello pinned from v1.0' tag='Hello tagged from v1.0'");

    // The tag moves to a new commit: @v1 follows it, the pinned SHA does not.
    const moved = own.publish("acme/hello", { "version.json": `{"v": "v1.1"}\n` }, { tag: "v1" });
    const second = await run(target, cacheDir, own.url);
    expect(second.logs("pin")).toContain("old='Hello pinned from v1.0' tag='Hello tagged from v1.1'");
    expect(second.logs("pin")).toContain(`Download action repository 'acme/hello@v1' (SHA:${moved})`);
    const step = second.result.jobs[0]?.steps.find((s) => s.name === "missing");
    expect(step?.conclusion).toBe("failure");
    expect(second.logs("pin")).toMatch(/step 'missing': acme\/hello@v404: no tag or branch 'v404'/);
    // A pinned SHA the server does not have (a stale mirror) or a repository it lacks: named, not git's words only.
    expect(second.logs("pin")).toContain(
      `step 'unknown commit': cannot download acme/hello@${"0".repeat(40)} from ${own.url}/acme/hello: the server has the repository but not that commit`,
    );
    expect(second.logs("pin")).toContain(
      `step 'unknown repository': cannot download acme/nowhere@${helloV1} from ${own.url}/acme/nowhere: the server has no repository acme/nowhere, or cannot be reached`,
    );

    // With the server gone, the SHA-pinned action still runs from the cache.
    const offline = `name: remote
on: push
jobs:
  pin:
    runs-on: ubuntu-latest
    steps:
      - id: old
        uses: acme/hello@${helloV1}
        with: { who: offline }
`;
    target.commit({ ".github/workflows/remote.yml": offline });
    await own.close();
    const third = await run(target, cacheDir, own.url);
    expect(third.result.conclusion).toBe("success");
    expect(third.logs("pin")).toContain("main: Hello offline from v1.0");
    expect(existsSync(join(cacheDir, "actions"))).toBe(true);
  }, 120_000);

  it("runs another repository's reusable workflow when its caller is reached, with its own local calls", async () => {
    const cacheDir = tempDir("slipway-actions-cache-");
    const workflowsV1 = server.publish(
      "acme/workflows",
      {
        ".github/workflows/build.yml": `on:
  workflow_call:
    inputs:
      who: { type: string, required: true }
    outputs:
      said:
        value: \${{ jobs.greet.outputs.said }}
jobs:
  greet:
    runs-on: ubuntu-latest
    outputs:
      said: \${{ steps.say.outputs.said }}
    steps:
      - id: say
        run: echo "said=hello \${{ inputs.who }} from acme/workflows" >> "$GITHUB_OUTPUT"
  nested:
    uses: ./.github/workflows/inner.yml
`,
        ".github/workflows/inner.yml": `on: workflow_call
jobs:
  deep:
    runs-on: ubuntu-latest
    steps:
      - run: echo "inner workflow of acme/workflows ran"
`,
        ".github/workflows/push-only.yml": `on: push
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - run: "true"
`,
      },
      { tag: "v1" },
    );
    const target = repo({
      ".github/workflows/remote.yml": `name: remote
on: push
jobs:
  build:
    uses: acme/workflows/.github/workflows/build.yml@v1
    with:
      who: caller
  after:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo "build said '\${{ needs.build.outputs.said }}'"
  not-callable:
    uses: acme/workflows/.github/workflows/push-only.yml@v1
  absent:
    uses: acme/workflows/.github/workflows/absent.yml@v1
  skipped:
    if: false
    uses: nobody/nowhere/.github/workflows/never.yml@v9
`,
    });
    const { result, logs } = await run(target, cacheDir);
    const job = (id: string) => result.jobs.find((j) => j.id === id || j.name === id);
    expect(job("build / greet")?.conclusion).toBe("success");
    expect(logs("build / nested / deep")).toContain("inner workflow of acme/workflows ran");
    expect(logs("after")).toContain("build said 'hello caller from acme/workflows'");
    expect(job("not-callable")?.conclusion).toBe("failure");
    expect(job("not-callable")?.reason).toMatch(
      /^\.github\/workflows\/remote\.yml:\d+:\d+: job 'not-callable' calls acme\/workflows\/\.github\/workflows\/push-only\.yml@v1: it is not triggered by workflow_call$/,
    );
    expect(job("absent")?.conclusion).toBe("failure");
    expect(job("absent")?.reason).toContain(
      "cannot read workflow acme/workflows/.github/workflows/absent.yml@v1",
    );
    expect(job("skipped")?.conclusion).toBe("skipped");
    // One download for the three calls of acme/workflows, none for the skipped call.
    expect(
      readdirSync(join(cacheDir, "actions", readdirSync(join(cacheDir, "actions"))[0]!, "acme")),
    ).toEqual(["workflows"]);
    expect(
      existsSync(
        join(
          cacheDir,
          "actions",
          readdirSync(join(cacheDir, "actions"))[0]!,
          "acme",
          "workflows",
          workflowsV1,
        ),
      ),
    ).toBe(true);
  }, 120_000);

  it("takes the server and the cache from the environment in slipway run", async () => {
    const cacheDir = tempDir("slipway-actions-cache-");
    const target = repo({
      ".github/workflows/remote.yml": `name: remote
on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - id: js
        uses: acme/hello@v1
        with: { who: cli }
      - run: echo "cli got '\${{ steps.js.outputs.said }}'"
`,
    });
    const result = await runCli(["run", "--json"], {
      cwd: target.dir,
      env: { SLIPWAY_ACTIONS_SERVER_URL: server.url, SLIPWAY_CACHE_DIR: cacheDir },
      timeoutMs: 60_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ conclusion: "success" });
    const logs = await runCli(["logs", (JSON.parse(result.stdout) as { runId: string }).runId], {
      cwd: target.dir,
    });
    expect(logs.stdout).toContain("cli got 'Hello cli from v1.0'");
    expect(readdirSync(join(cacheDir, "actions"))).toHaveLength(1);
  }, 120_000);
});
