// Spawns the built CLI (`npm run build` first, as `npm test` does).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo, runCli, type TestRepo } from "./helpers.js";

describe("slipway run --json, logs --job NAME, logs --summary", () => {
  let target: TestRepo;
  beforeAll(() => {
    target = makeRepo([], {
      ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  test:
    name: Node \${{ matrix.node }}
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [20, 22]
    steps:
      - run: |
          echo "testing on \${{ matrix.node }}"
          echo "### Results for \${{ matrix.node }}" >> "$GITHUB_STEP_SUMMARY"
          echo "- 3 passed, token \${{ secrets.TOKEN }}" >> "$GITHUB_STEP_SUMMARY"
`,
      ".github/workflows/services.yml": `name: Services
on: push
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: echo lint
  build:
    needs: lint
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:18
    steps:
      - run: echo build
`,
      ".github/workflows/broken.yml":
        "name: Broken\non: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    bogus: 1\n    steps:\n      - run: true\n",
    });
  });
  afterAll(() => target.cleanup());

  it("prints the error document with its code on exit 2 under --json", async () => {
    const result = await runCli(["run", "--json", "-W", ".github/workflows/broken.yml"], { cwd: target.dir });
    expect(result.code).toBe(2);
    const document = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    expect(document.error.code).toBe("SLIPWAY_INVALID_WORKFLOW");
    expect(document.error.message).toContain(".github/workflows/broken.yml:6:5:");
  });

  it("says under --json why a job failed without running a step (services refused when reached)", async () => {
    // brianc/node-postgres: the job with services printed only "conclusion": "failure" and no logs.
    const result = await runCli(["run", "--json", "-W", ".github/workflows/services.yml"], {
      cwd: target.dir,
      timeoutMs: 120_000,
    });
    expect(result.code).toBe(1);
    const document = JSON.parse(result.stdout) as {
      jobs: { id: string; conclusion: string; reason?: string }[];
    };
    const build = document.jobs.find((job) => job.id === "build");
    expect(build?.conclusion).toBe("failure");
    expect(build?.reason).toMatch(/services\.yml:12:7: .*'services' needs Docker/);
    expect(document.jobs.find((job) => job.id === "lint")).not.toHaveProperty("reason");

    const { runId } = document as unknown as { runId: string };
    const logs = await runCli(["logs", runId, "--job", "build"], { cwd: target.dir });
    expect(logs.stderr).toBe("");
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/build[\s\S]*services\.yml:12:7: .*'services' needs Docker/);
  });

  it("finds a job's logs by its display name and prints stored step summaries, masked", async () => {
    const run = await runCli(
      ["run", "--json", "-W", ".github/workflows/ci.yml", "--secret", "TOKEN=s3cr3t-value"],
      {
        cwd: target.dir,
        timeoutMs: 120_000,
      },
    );
    expect(run.code).toBe(0);
    const { runId } = JSON.parse(run.stdout) as { runId: string };

    const byName = await runCli(["logs", runId, "--job", "Node 22"], { cwd: target.dir });
    expect(byName.code).toBe(0);
    expect(byName.stdout).toContain("testing on 22");
    expect(byName.stdout).not.toContain("testing on 20");
    expect(byName.stdout).not.toContain("### Results");

    const unknown = await runCli(["logs", runId, "--job", "Node 18"], { cwd: target.dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("(jobs: Node 20, Node 22)");

    const summary = await runCli(["logs", runId, "--summary"], { cwd: target.dir });
    expect(summary.code).toBe(0);
    expect(summary.stdout).toContain("### Results for 20\n- 3 passed, token ***");
    expect(summary.stdout).toContain("### Results for 22");
    expect(summary.stdout).not.toContain("s3cr3t-value");
    expect(summary.stdout).not.toContain("testing on");
  }, 180_000);
});

describe("slipway run on a wide matrix", () => {
  // expressjs/cors runs 27 legs; when the first failed, each leg cancelled by fail-fast left a
  // listener on the matrix's signal and Node printed "MaxListenersExceededWarning: Possible
  // EventTarget memory leak detected" into the user's terminal.
  it("cancels 14 legs by fail-fast, and runs 15 legs at once, without a listener-leak warning", async () => {
    const legs = Array.from({ length: 15 }, (_, index) => index + 1).join(", ");
    const target = makeRepo([], {
      ".github/workflows/wide.yml": `name: Wide
on: push
jobs:
  failing:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        leg: [${legs}]
    steps:
      - run: exit 1
  passing:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        leg: [${legs}]
    steps:
      - run: echo "leg \${{ matrix.leg }}"
`,
    });
    try {
      const serial = await runCli(
        ["run", "--json", "--max-parallel", "1", "-W", ".github/workflows/wide.yml"],
        {
          cwd: target.dir,
        },
      );
      expect(serial.code).toBe(1);
      const result = JSON.parse(serial.stdout) as { jobs: { id: string; conclusion: string }[] };
      const failing = result.jobs.filter((job) => job.id === "failing").map((job) => job.conclusion);
      expect(failing).toEqual(["failure", ...Array<string>(14).fill("cancelled")]);
      const wide = await runCli(
        ["run", "--json", "--max-parallel", "15", "-W", ".github/workflows/wide.yml"],
        {
          cwd: target.dir,
        },
      );
      expect(wide.code).toBe(1);
      expect(`${serial.stderr}\n${wide.stderr}`).not.toMatch(/MaxListenersExceededWarning|memory leak/);
    } finally {
      target.cleanup();
    }
  }, 120_000);
});
