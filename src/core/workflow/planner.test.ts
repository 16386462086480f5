import { describe, expect, it } from "vitest";
import { resolveInputs } from "./dispatch-inputs.js";
import { parseKeyValueFile, parseWorkflowCommand } from "./file-commands.js";
import { matchesPatternList } from "./filter-pattern.js";
import { checkGraph, selectWithNeeds, transitiveNeeds } from "./graph.js";
import { MASK, Masker } from "./masker.js";
import { expandMatrix } from "./matrix.js";
import { runsOnLabels, unmatchedLabels } from "./runs-on.js";
import { aggregateConclusion, statusFunctions, stepConclusion } from "./status.js";
import { matchTrigger } from "./triggers.js";

describe("filter patterns", () => {
  it.each([
    ["main", ["main"], true],
    ["release/1.2", ["release/*"], true],
    ["release/1/2", ["release/*"], false],
    ["release/1/2", ["release/**"], true],
    ["feature", ["*", "!feature"], false],
    ["feature", ["!feature", "*"], true],
    ["v1.2.3", ["v[0-9]+.[0-9]+.[0-9]+"], true],
    ["v1.x", ["v[0-9]+.[0-9]+.[0-9]+"], false],
    ["docs/a/b.md", ["docs/**"], true],
    ["src/a.md", ["**.md"], true],
    ["colour", ["colou?r"], true],
    ["color", ["colou?r"], true],
  ])("%s against %j → %s", (value, patterns, expected) => {
    expect(matchesPatternList(value, patterns)).toBe(expected);
  });
});

describe("matchTrigger", () => {
  const push = (ref: string, changedFiles?: string[]) => ({
    name: "push",
    ref,
    ...(changedFiles ? { changedFiles } : {}),
  });

  it("runs a push to a listed branch and names the reason otherwise", () => {
    const on = { push: { branches: ["main", "release/*"] } };
    expect(matchTrigger(on, push("refs/heads/release/2"))).toEqual({ matched: true });
    const skipped = matchTrigger(on, push("refs/heads/feature"));
    expect(skipped).toEqual({ matched: false, reason: "branch feature does not match [main, release/*]" });
  });

  it("does not run for an event the workflow does not list", () => {
    const decision = matchTrigger({ pull_request: {} }, push("refs/heads/main"));
    expect(decision.matched).toBe(false);
    expect(!decision.matched && decision.reason).toContain("not triggered by push");
  });

  it("applies tags filters to tag pushes, and only-branch filters exclude tags", () => {
    expect(matchTrigger({ push: { tags: ["v*.*.*"] } }, push("refs/tags/v1.2.3")).matched).toBe(true);
    expect(matchTrigger({ push: { tags: ["v*.*.*"] } }, push("refs/heads/main")).matched).toBe(false);
    expect(matchTrigger({ push: { branches: ["main"] } }, push("refs/tags/v1.0.0")).matched).toBe(false);
    expect(matchTrigger({ push: { "tags-ignore": ["nightly"] } }, push("refs/tags/nightly")).matched).toBe(
      false,
    );
  });

  it("applies paths and paths-ignore to changed files, not to tags", () => {
    const on = { push: { branches: ["main"], "paths-ignore": ["docs/**", "**.md"] } };
    expect(matchTrigger(on, push("refs/heads/main", ["docs/a.md", "README.md"]))).toEqual({
      matched: false,
      reason: "every changed file matches paths-ignore [docs/**, **.md]",
    });
    expect(matchTrigger(on, push("refs/heads/main", ["docs/a.md", "src/x.ts"])).matched).toBe(true);
    const paths = { push: { paths: ["services/api/**", "!services/api/**.md"] } };
    expect(matchTrigger(paths, push("refs/heads/main", ["services/api/readme.md"])).matched).toBe(false);
    expect(matchTrigger(paths, push("refs/heads/main", ["services/api/index.ts"])).matched).toBe(true);
    expect(matchTrigger({ push: { paths: ["x/**"] } }, push("refs/tags/v1", ["y"])).matched).toBe(true);
  });

  it("matches pull_request branches against the target and checks types", () => {
    const on = { pull_request: { branches: ["main"] } };
    const pr = (baseRef: string, action?: string) => ({
      name: "pull_request",
      ref: "refs/heads/feature",
      baseRef,
      ...(action ? { action } : {}),
    });
    expect(matchTrigger(on, pr("main")).matched).toBe(true);
    expect(matchTrigger(on, pr("develop")).matched).toBe(false);
    expect(matchTrigger(on, pr("main", "closed"))).toEqual({
      matched: false,
      reason: "pull_request type closed is not in types [opened, synchronize, reopened]",
    });
    expect(matchTrigger({ pull_request: { types: ["closed"] } }, pr("main", "closed")).matched).toBe(true);
  });
});

describe("resolveInputs", () => {
  const declared = {
    environment: { type: "choice", options: ["staging", "production"], required: true },
    dry: { type: "boolean", default: true },
    count: { type: "number", default: 2 },
    note: { type: "string" },
  };

  it("applies defaults and types", () => {
    expect(resolveInputs(declared, { environment: "staging", count: "5" })).toEqual({
      ok: true,
      inputs: { environment: "staging", dry: true, count: 5, note: "" },
    });
  });

  it("reports every problem at once", () => {
    const result = resolveInputs(declared, { dry: "maybe", count: "x", extra: "1" });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      "unknown input 'extra' (declared: environment, dry, count, note)",
      "input 'environment' is required (--input environment=VALUE)",
      "input 'dry' must be true or false, got 'maybe'",
      "input 'count' must be a number, got 'x'",
    ]);
    const choice = resolveInputs(declared, { environment: "prod" });
    expect(!choice.ok && choice.problems).toEqual([
      "input 'environment' must be one of staging, production, got 'prod'",
    ]);
  });
});

describe("expandMatrix", () => {
  it("builds the cartesian product in order", () => {
    expect(expandMatrix({ os: ["a", "b"], node: [18, 20] })).toEqual({
      ok: true,
      combinations: [
        { os: "a", node: 18 },
        { os: "a", node: 20 },
        { os: "b", node: 18 },
        { os: "b", node: 20 },
      ],
    });
  });

  it("follows GitHub's documented include/exclude example", () => {
    // docs.github.com "Expanding or adding matrix configurations"
    const result = expandMatrix({
      fruit: ["apple", "pear"],
      animal: ["cat", "dog"],
      include: [
        { color: "green" },
        { color: "pink", animal: "cat" },
        { fruit: "apple", shape: "circle" },
        { fruit: "banana" },
        { fruit: "banana", animal: "cat" },
      ],
    });
    expect(result).toEqual({
      ok: true,
      combinations: [
        { fruit: "apple", animal: "cat", color: "pink", shape: "circle" },
        { fruit: "apple", animal: "dog", color: "green", shape: "circle" },
        { fruit: "pear", animal: "cat", color: "pink" },
        { fruit: "pear", animal: "dog", color: "green" },
        { fruit: "banana" },
        { fruit: "banana", animal: "cat" },
      ],
    });
  });

  it("excludes partial matches and rejects bad shapes", () => {
    const result = expandMatrix({ os: ["a", "b"], node: [18, 20], exclude: [{ os: "b", node: 18 }] });
    expect(result.ok && result.combinations).toEqual([
      { os: "a", node: 18 },
      { os: "a", node: 20 },
      { os: "b", node: 20 },
    ]);
    expect(expandMatrix({ os: "linux" })).toEqual({
      ok: false,
      problem: 'strategy.matrix.os must be a list, got "linux"',
    });
    expect(expandMatrix({ os: ["a"], exclude: [{ os: "a" }] }).ok).toBe(false);
    expect(expandMatrix({ include: [{ a: 1 }, { a: 2 }] })).toEqual({
      ok: true,
      combinations: [{ a: 1 }, { a: 2 }],
    });
  });
});

describe("job graph", () => {
  const jobs = [
    { id: "lint", needs: [] },
    { id: "test", needs: ["lint"] },
    { id: "build", needs: ["test"] },
    { id: "deploy", needs: ["build", "lint"] },
  ];

  it("computes transitive needs and selections", () => {
    expect(transitiveNeeds(jobs, "deploy").sort()).toEqual(["build", "lint", "test"]);
    expect([...selectWithNeeds(jobs, "test")].sort()).toEqual(["lint", "test"]);
    expect(checkGraph(jobs)).toEqual([]);
  });

  it("names unknown needs and cycles", () => {
    expect(checkGraph([{ id: "a", needs: ["nope"] }])).toEqual([
      { kind: "unknown-need", job: "a", need: "nope" },
    ]);
    expect(
      checkGraph([
        { id: "a", needs: ["b"] },
        { id: "b", needs: ["a"] },
      ]),
    ).toEqual([{ kind: "cycle", jobs: ["a", "b", "a"] }]);
  });
});

describe("status functions", () => {
  it("treats a skipped or failed dependency as not success", () => {
    const failed = statusFunctions({ previous: ["success", "failure"], cancelled: false, scope: "job" });
    expect([failed.success(), failed.failure(), failed.cancelled(), failed.always()]).toEqual([
      false,
      true,
      false,
      true,
    ]);
    const skipped = statusFunctions({ previous: ["skipped"], cancelled: false, scope: "job" });
    expect([skipped.success(), skipped.failure()]).toEqual([false, false]);
    const cancelled = statusFunctions({ previous: ["success"], cancelled: true, scope: "job" });
    expect([cancelled.success(), cancelled.cancelled()]).toEqual([false, true]);
  });

  it("treats a step skipped by its if: as neutral for the steps after it", () => {
    const afterSkip = statusFunctions({ previous: ["success", "skipped"], cancelled: false, scope: "step" });
    expect([afterSkip.success(), afterSkip.failure()]).toEqual([true, false]);
    const afterFailure = statusFunctions({
      previous: ["skipped", "failure"],
      cancelled: false,
      scope: "step",
    });
    expect([afterFailure.success(), afterFailure.failure()]).toEqual([false, true]);
  });

  it("aggregates conclusions and applies continue-on-error", () => {
    expect(aggregateConclusion(["success", "skipped"], false)).toBe("success");
    expect(aggregateConclusion(["success", "failure"], false)).toBe("failure");
    // fail-fast: the failing combination decides, its cancelled siblings do not (GitHub).
    expect(aggregateConclusion(["failure", "cancelled"], false)).toBe("failure");
    expect(aggregateConclusion(["success", "cancelled"], false)).toBe("cancelled");
    expect(aggregateConclusion(["failure"], true)).toBe("cancelled");
    expect(aggregateConclusion(["success"], true)).toBe("cancelled");
    expect(stepConclusion("failure", true)).toBe("success");
    expect(stepConclusion("failure", false)).toBe("failure");
  });
});

describe("runs-on", () => {
  it("matches labels against host patterns case-insensitively", () => {
    const host = ["self-hosted", "linux", "x64", "ubuntu-*"];
    expect(unmatchedLabels(["ubuntu-latest"], host)).toEqual([]);
    expect(unmatchedLabels(["self-hosted", "Linux", "gpu"], host)).toEqual(["gpu"]);
    expect(unmatchedLabels(runsOnLabels("macos-latest"), host)).toEqual(["macos-latest"]);
    expect(runsOnLabels({ group: "big", labels: ["linux"] })).toEqual(["linux"]);
  });
});

describe("file and workflow commands", () => {
  it("parses name=value and heredoc blocks", () => {
    const parsed = parseKeyValueFile("a=1\nb<<EOF\nline 1\nline=2\nEOF\nc=x=y\n");
    expect(parsed).toEqual({
      values: [
        ["a", "1"],
        ["b", "line 1\nline=2"],
        ["c", "x=y"],
      ],
      problems: [],
    });
    expect(parseKeyValueFile("x<<END\nno end\n").problems).toEqual([
      "matching delimiter 'END' not found for 'x'",
    ]);
  });

  it("parses workflow commands with escaped properties", () => {
    expect(parseWorkflowCommand("::error file=a.ts,line=3,title=Bad%2C really::it broke%0Atwice")).toEqual({
      command: "error",
      properties: { file: "a.ts", line: "3", title: "Bad, really" },
      message: "it broke\ntwice",
    });
    expect(parseWorkflowCommand("not a command")).toBeUndefined();
    expect(parseWorkflowCommand("::add-mask::s3cret")?.message).toBe("s3cret");
  });
});

describe("Masker", () => {
  it("masks values, lines of multi-line values and base64 forms", () => {
    const masker = new Masker();
    masker.add("hunter2-password");
    masker.add("-----BEGIN KEY-----\nAAAAB3Nza\n-----END KEY-----");
    expect(masker.mask("pw=hunter2-password!")).toBe(`pw=${MASK}!`);
    expect(masker.mask("line AAAAB3Nza here")).toBe(`line ${MASK} here`);
    const encoded = Buffer.from("hunter2-password").toString("base64");
    expect(masker.mask(`b64 ${encoded}`)).toBe(`b64 ${MASK}`);
    // Inside a longer encoded text, at every byte alignment.
    for (const prefix of ["", "x", "xy", "xyz"]) {
      const inside = Buffer.from(`${prefix}hunter2-password-suffix`).toString("base64");
      expect(masker.mask(inside)).toContain(MASK);
    }
    expect(masker.mask("nothing secret")).toBe("nothing secret");
  });
});
