import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { RunEvent } from "../../src/core/workflow/model.js";
import { runWorkflows } from "../../src/pipelines/run.js";

const SETUP = join(import.meta.dirname, "..", "..", "examples", "hello", "setup.sh");
let dir = "";
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("runs the hello example that the README's first command uses", async () => {
  dir = execFileSync("bash", [SETUP], { encoding: "utf8" }).trim();
  const lines: string[] = [];
  const onEvent = (event: RunEvent): void => {
    if (event.type === "log") lines.push(`${event.key}: ${event.line.text}`);
  };
  const [result] = await runWorkflows({ dir, secrets: { DEPLOY_TOKEN: "s3cr3t-value" }, onEvent });
  expect(result?.conclusion).toBe("success");
  expect(result?.jobs.map((job) => `${job.name}: ${job.conclusion}`)).toEqual([
    "lint: success",
    "test (Hello): success",
    "test (Bonjour): success",
    "build: success",
    "deploy: success",
  ]);
  expect(lines).toContain("test (Bonjour): Bonjour, Slipway Example!");
  expect(lines).toContain("deploy: using token ***");
  expect(lines.join("\n")).not.toContain("s3cr3t-value");
});
