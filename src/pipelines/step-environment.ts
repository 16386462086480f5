import { join } from "node:path";
import { toExpressionString } from "./expressions.js";
import type { StepFiles } from "./file-commands.js";
import type { RunScope } from "./run-scope.js";
import { TRACKING_VARIABLE, trackingId } from "./runs/tracked-processes.js";

/** The `runner` context of a job. */
export function runnerContext(temp: string, jobDir: string, toolCache: string): Record<string, string> {
  return {
    os: "Linux",
    arch: process.arch === "arm64" ? "ARM64" : "X64",
    name: "slipway",
    environment: "self-hosted",
    temp,
    tool_cache: toolCache,
    workspace: jobDir,
    debug: "",
  };
}

/**
 * The environment a step's processes see: the host's, then GitHub's default variables (GITHUB_*,
 * RUNNER_*), then the workflow's `env:`, with $GITHUB_PATH entries in front of PATH.
 */
export function buildProcessEnv(
  scope: RunScope,
  options: {
    workspace: string;
    temp: string;
    jobId: string;
    files: StepFiles;
    env: Record<string, string>;
    addedPath: readonly string[];
    action: string;
    /** HOME (and shared tool locations) of the job, see job-home.ts. */
    home: Record<string, string>;
  },
): Record<string, string> {
  const github = scope.github;
  const defaults: Record<string, string> = {
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_SHA: toExpressionString(github.sha),
    GITHUB_REF: toExpressionString(github.ref),
    GITHUB_REF_NAME: toExpressionString(github.ref_name),
    GITHUB_REF_TYPE: toExpressionString(github.ref_type),
    GITHUB_HEAD_REF: toExpressionString(github.head_ref),
    GITHUB_BASE_REF: toExpressionString(github.base_ref),
    GITHUB_EVENT_NAME: toExpressionString(github.event_name),
    GITHUB_EVENT_PATH: scope.eventPath,
    GITHUB_RUN_ID: scope.runId,
    GITHUB_RUN_NUMBER: String(scope.runNumber),
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_JOB: options.jobId,
    GITHUB_ACTION: options.action,
    GITHUB_WORKFLOW: scope.workflow.name,
    GITHUB_WORKFLOW_REF: toExpressionString(github.workflow_ref),
    GITHUB_REPOSITORY: toExpressionString(github.repository),
    GITHUB_REPOSITORY_OWNER: toExpressionString(github.repository_owner),
    GITHUB_ACTOR: toExpressionString(github.actor),
    GITHUB_SERVER_URL: toExpressionString(github.server_url),
    GITHUB_API_URL: toExpressionString(github.api_url),
    GITHUB_GRAPHQL_URL: toExpressionString(github.graphql_url),
    GITHUB_OUTPUT: options.files.output,
    GITHUB_ENV: options.files.env,
    GITHUB_PATH: options.files.path,
    GITHUB_STEP_SUMMARY: options.files.summary,
    GITHUB_STATE: options.files.state,
    RUNNER_OS: "Linux",
    RUNNER_ARCH: process.arch === "arm64" ? "ARM64" : "X64",
    RUNNER_NAME: "slipway",
    RUNNER_ENVIRONMENT: "self-hosted",
    RUNNER_TEMP: options.temp,
    // Persistent and shared by every run, as on a self-hosted runner (setup-node fills it).
    RUNNER_TOOL_CACHE: scope.settings.toolCache,
    RUNNER_WORKSPACE: join(options.workspace, ".."),
    [TRACKING_VARIABLE]: trackingId(scope.runId),
  };
  const env = { ...scope.hostEnv, ...options.home, ...defaults, ...options.env };
  if (options.addedPath.length > 0)
    env.PATH = [...[...options.addedPath].reverse(), env.PATH ?? ""].join(":");
  return env;
}
