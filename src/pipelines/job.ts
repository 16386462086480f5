import { mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseKeyValueFile, parseWorkflowCommand } from "../core/workflow/file-commands.js";
import type { Masker } from "../core/workflow/masker.js";
import { statusFunctions, stepConclusion, type Conclusion } from "../core/workflow/status.js";
import type { ActionContext, BuiltinAction } from "./actions/contract.js";
import {
  ExpressionFailure,
  evaluateCondition,
  evaluateToken,
  toExpressionString,
  type Contexts,
  type ExtraFunctions,
} from "./expressions.js";
import { addWorktree, removeWorktree } from "./git.js";
import { hashFiles } from "./hash-files.js";
import type { LoadedJob, LoadedStep, LoadedWorkflow } from "./load.js";
import type { JobResult, LogLevel, LogLine, RunEvent, StepResult } from "./model.js";
import { runProcess, signalGroup } from "./process.js";
import { runLocalAction } from "./local-action.js";
import { resolveShell } from "./shells.js";

/** What every job of a run shares. */
export interface RunScope {
  runId: string;
  runNumber: number;
  repoRoot: string;
  workflow: LoadedWorkflow;
  /** Temp directory of the run: workspaces and runner temp dirs live below it. */
  runDir: string;
  dataDir: string;
  github: Record<string, unknown>;
  eventPath: string;
  baseSha: string | undefined;
  inputs: Record<string, unknown>;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  masker: Masker;
  /** Host environment passed to steps (secrets-bearing SLIPWAY_SECRET_* removed). */
  hostEnv: Record<string, string>;
  findAction(uses: string): BuiltinAction | undefined;
  emit(event: RunEvent): void;
  storeLogs(jobKey: string, jobId: string, lines: readonly LogLine[]): Promise<void>;
  keepWorkspaces: boolean;
}

export interface JobInstance {
  job: LoadedJob;
  key: string;
  name: string;
  matrix: Record<string, unknown> | null;
  strategy: Record<string, unknown>;
  needs: Record<string, { result: Conclusion; outputs: Record<string, string> }>;
  /** Aborted on Ctrl-C, fail-fast or a concurrency cancel: the job ends as cancelled. */
  signal: AbortSignal;
}

interface StepState {
  outputs: Record<string, string>;
  outcome: Conclusion;
  conclusion: Conclusion;
}

const TIMEOUT_REASON = "timeout";

/** Runs one job (or matrix combination) on the host, in its own clean worktree of the run's commit. */
export async function runJob(scope: RunScope, instance: JobInstance): Promise<JobResult> {
  const started = Date.now();
  const { job } = instance;
  const safeKey = instance.key.replace(/[^A-Za-z0-9_.-]+/g, "_");
  const jobDir = join(scope.runDir, safeKey);
  const workspace = join(jobDir, "workspace");
  const temp = join(jobDir, "temp");
  mkdirSync(temp, { recursive: true });
  const logLines: LogLine[] = [];
  const groups = new Set<number>();
  let currentStep = "Set up job";

  const log = (text: string, level: LogLevel = "info"): void => {
    const line: LogLine = { step: currentStep, text: scope.masker.mask(text), level };
    logLines.push(line);
    scope.emit({ type: "log", key: instance.key, line });
  };
  const flushLogs = async (): Promise<void> => {
    if (logLines.length === 0) return;
    await scope.storeLogs(instance.key, job.id, logLines.splice(0, logLines.length));
  };

  scope.emit({ type: "job-started", key: instance.key, name: instance.name });
  const jobController = new AbortController();
  const cancelJob = (): void => jobController.abort("cancelled");
  if (instance.signal.aborted) cancelJob();
  else instance.signal.addEventListener("abort", cancelJob, { once: true });

  const steps: StepResult[] = [];
  const stepsContext: Record<string, StepState> = {};
  const postQueue: { action: BuiltinAction; context: ActionContext; name: string }[] = [];
  let outputs: Record<string, string> = {};
  let failedBeforeSteps: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const githubForJob = { ...scope.github, job: job.id, workspace, action: "" };
  const baseContexts: Contexts = {
    github: githubForJob,
    inputs: scope.inputs,
    vars: scope.vars,
    secrets: scope.secrets,
    matrix: instance.matrix ?? {},
    needs: instance.needs,
    strategy: instance.strategy,
    runner: runnerContext(temp, jobDir),
    job: { status: "success" },
    steps: stepsContext,
  };
  const extra: ExtraFunctions = { hashFiles: (patterns) => hashFiles(workspace, patterns) };
  const file = scope.workflow.file;
  const evaluate = (token: Parameters<typeof evaluateToken>[0], contexts: Contexts): unknown =>
    evaluateToken(token, contexts, extra, file);

  let jobEnv: Record<string, string> = {};
  const addedEnv: Record<string, string> = {};
  const addedPath: string[] = [];
  let continueOnError = false;
  try {
    try {
      await addWorktree(scope.repoRoot, workspace, toExpressionString(scope.github.sha));
    } catch (error) {
      throw new ExpressionFailure(
        `cannot check out ${toExpressionString(scope.github.sha)}: ${(error as Error).message}`,
      );
    }
    const workflowEnv = stringMap(evaluate(scope.workflow.env, baseContexts));
    jobEnv = { ...workflowEnv, ...stringMap(evaluate(job.job.env, { ...baseContexts, env: workflowEnv })) };
    continueOnError = truthyValue(evaluate(job.continueOnError, baseContexts));
    const timeoutMinutes = numberValue(evaluate(job.timeoutMinutes, baseContexts));
    if (timeoutMinutes !== undefined) {
      timer = setTimeout(() => jobController.abort(TIMEOUT_REASON), timeoutMinutes * 60_000);
    }
  } catch (error) {
    failedBeforeSteps = (error as Error).message;
    log(`Error: ${failedBeforeSteps}`, "error");
  }

  const defaults = {
    ...runDefaults(evaluate, scope.workflow.defaults, baseContexts),
    ...runDefaults(evaluate, job.defaults, baseContexts),
  };
  const state = new Map<string, string>();

  for (const [index, loaded] of failedBeforeSteps === undefined ? job.steps.entries() : []) {
    const stepStarted = Date.now();
    const envContext = { ...jobEnv, ...addedEnv };
    const contexts: Contexts = { ...baseContexts, env: envContext, job: { status: jobStatus(steps) } };
    const stepName = safeString(() => stepDisplayName(loaded, (token) => evaluate(token, contexts)));
    currentStep = stepName;
    const cancelled = jobController.signal.aborted;
    const status = statusFunctions({ previous: steps.map((s) => s.conclusion), cancelled, scope: "step" });
    let outcome: Conclusion;
    let stepOutputs: Record<string, string> = {};
    let stepContinueOnError = false;
    let shouldRun: boolean;
    try {
      shouldRun = evaluateCondition(loaded.step.if?.expression ?? "success()", contexts, {
        ...extra,
        status,
      });
    } catch (error) {
      log(`Error: ${file}: step '${stepName}' if: ${(error as Error).message}`, "error");
      steps.push({ name: stepName, outcome: "failure", conclusion: "failure", durationMs: 0 });
      continue;
    }
    if (!shouldRun) {
      const skipped: StepResult = {
        name: stepName,
        outcome: "skipped",
        conclusion: "skipped",
        durationMs: 0,
      };
      steps.push(skipped);
      stepsContext[loaded.step.id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
      scope.emit({ type: "step-finished", key: instance.key, step: stepName, index, result: skipped });
      continue;
    }
    scope.emit({ type: "step-started", key: instance.key, step: stepName, index });
    // A step that runs after a cancellation (if: always()) must not be killed by it.
    const stepController = new AbortController();
    const onJobAbort = (): void => stepController.abort(jobController.signal.reason);
    if (!cancelled) jobController.signal.addEventListener("abort", onJobAbort, { once: true });
    try {
      stepContinueOnError = truthyValue(
        typeof loaded.step["continue-on-error"] === "boolean"
          ? loaded.step["continue-on-error"]
          : evaluate(loaded.step["continue-on-error"], contexts),
      );
      const stepEnvToken = "env" in loaded.step ? loaded.step.env : undefined;
      const stepEnv = stringMap(evaluate(stepEnvToken, contexts));
      const env = { ...envContext, ...stepEnv };
      const stepContexts: Contexts = { ...contexts, env };
      const timeoutMinutes = numberValue(evaluate(loaded.timeoutMinutes, stepContexts));
      const files = stepFiles(temp, index);
      const processEnv = buildProcessEnv(scope, {
        workspace,
        temp,
        jobId: job.id,
        files,
        env,
        addedPath,
        action: loaded.step.id,
      });
      const setOutput = (name: string, value: string): void => {
        stepOutputs[name] = value;
      };
      if (loaded.uses?.startsWith("./")) {
        let subIndex = 0;
        outcome = await runLocalAction({
          uses: loaded.uses,
          workspace,
          contexts: stepContexts,
          withValues: (evaluate(loaded.with, stepContexts) ?? {}) as Record<string, unknown>,
          evaluate,
          log,
          setOutput,
          signal: stepController.signal,
          findAction: (uses) => scope.findAction(uses),
          runBuiltin: (uses, inputs, outputs) =>
            runActionStep(
              scope,
              { ...loaded, uses, with: undefined },
              {
                evaluate: () => inputs,
                workspace,
                jobId: job.id,
                env: processEnv,
                log,
                setOutput: (name, value) => (outputs[name] = value),
                state: new Map<string, string>(),
                signal: stepController.signal,
                postQueue,
                stepName: `${stepName} / ${uses}`,
              },
            ),
          runProcess: async (command, options) => {
            const files = stepFiles(temp, `${index}-${++subIndex}`);
            const env = buildProcessEnv(scope, {
              workspace,
              temp,
              jobId: job.id,
              files,
              env: options.env,
              addedPath,
              action: loaded.step.id,
            });
            const ended = await runScriptStep(scope, {
              ...command,
              cwd: options.cwd ?? workspace,
              env,
              temp,
              index: `${index}-${subIndex}`,
              timeoutMs: timeoutMinutes !== undefined ? timeoutMinutes * 60_000 : undefined,
              signal: options.signal ?? stepController.signal,
              log,
              setOutput: (name, value) => (options.outputs[name] = value),
              state: options.state,
              groups,
              addEnv: (name, value) => (addedEnv[name] = value),
              addPath: (entry) => addedPath.push(entry),
            });
            const ok = applyFileCommands(files, {
              env: addedEnv,
              path: addedPath,
              outputs: options.outputs,
              state: options.state,
              log,
              summaryTarget: join(jobDir, "summary.md"),
            });
            return ok || ended !== "success" ? ended : "failure";
          },
          queuePost: (name, post) =>
            postQueue.push({
              name,
              action: {
                name,
                inputs: {},
                run: () => Promise.resolve(),
                post: (_context, status) => post(status.status),
              },
              context: undefined as unknown as ActionContext,
            }),
        });
      } else if (loaded.uses !== undefined) {
        outcome = await runActionStep(scope, loaded, {
          evaluate: (token) => evaluate(token, stepContexts),
          workspace,
          jobId: job.id,
          env: processEnv,
          log,
          setOutput,
          // Each action keeps its own state between run and post, like core.saveState.
          state: new Map<string, string>(),
          signal: stepController.signal,
          postQueue,
          stepName,
        });
      } else {
        const script = toExpressionString(
          evaluate(
            (loaded.step as unknown as { run: Parameters<typeof evaluateToken>[0] }).run,
            stepContexts,
          ),
        );
        const shell = evaluate(loaded.shell, stepContexts) as string | undefined;
        const workingDirectory =
          (evaluate(loaded.workingDirectory, stepContexts) as string | undefined) ??
          defaults.workingDirectory;
        const result = await runScriptStep(scope, {
          script,
          shell: shell ?? defaults.shell,
          cwd: workingDirectory ? resolve(workspace, workingDirectory) : workspace,
          env: processEnv,
          temp,
          index,
          timeoutMs: timeoutMinutes !== undefined ? timeoutMinutes * 60_000 : undefined,
          signal: stepController.signal,
          log,
          setOutput,
          state,
          groups,
          addEnv: (name, value) => (addedEnv[name] = value),
          addPath: (entry) => addedPath.push(entry),
        });
        outcome = result;
      }
      const fileResults = applyFileCommands(files, {
        env: addedEnv,
        path: addedPath,
        outputs: stepOutputs,
        state,
        log,
        summaryTarget: join(jobDir, "summary.md"),
      });
      if (!fileResults && outcome === "success") outcome = "failure";
    } catch (error) {
      log(`Error: ${(error as Error).message}`, "error");
      outcome = "failure";
    } finally {
      jobController.signal.removeEventListener("abort", onJobAbort);
    }
    if (outcome === "success" && stepController.signal.aborted) outcome = "cancelled";
    stepOutputs = Object.fromEntries(Object.entries(stepOutputs).map(([k, v]) => [k, v]));
    const conclusion = stepConclusion(outcome, stepContinueOnError);
    const result: StepResult = { name: stepName, outcome, conclusion, durationMs: Date.now() - stepStarted };
    steps.push(result);
    stepsContext[loaded.step.id] = { outputs: stepOutputs, outcome, conclusion };
    scope.emit({ type: "step-finished", key: instance.key, step: stepName, index, result });
    await flushLogs();
  }

  // Post steps of actions run last, in reverse order, with the job's status (GitHub's order).
  const wasCancelled = jobController.signal.aborted && jobController.signal.reason !== TIMEOUT_REASON;
  const timedOut = jobController.signal.reason === TIMEOUT_REASON;
  const statusSoFar: "success" | "failure" | "cancelled" =
    failedBeforeSteps !== undefined || timedOut ? "failure" : wasCancelled ? "cancelled" : jobStatus(steps);
  for (const post of postQueue.reverse()) {
    currentStep = `Post ${post.name}`;
    try {
      await post.action.post?.(post.context, { status: statusSoFar });
    } catch (error) {
      log(`Error: post ${post.name}: ${(error as Error).message}`, "error");
    }
  }

  currentStep = "Complete job";
  if (timedOut) log(`Error: the job exceeded its timeout-minutes and was stopped`, "error");
  try {
    const outputValues = evaluate(job.job.outputs, {
      ...baseContexts,
      env: { ...jobEnv, ...addedEnv },
      job: { status: statusSoFar },
    });
    outputs = stringMap(outputValues);
  } catch (error) {
    log(`Error: job outputs: ${(error as Error).message}`, "error");
  }
  if (timer) clearTimeout(timer);
  instance.signal.removeEventListener("abort", cancelJob);
  for (const pgid of groups) signalGroup(pgid, "SIGKILL");
  await flushLogs();
  if (!scope.keepWorkspaces) {
    await removeWorktree(scope.repoRoot, workspace);
    rmSync(jobDir, { recursive: true, force: true });
  }

  let conclusion: Conclusion = statusSoFar;
  let reason: string | undefined;
  if (conclusion === "failure" && continueOnError) {
    conclusion = "success";
    reason = "failed, but continue-on-error is set";
  }
  if (timedOut) reason = "timed out";
  if (failedBeforeSteps !== undefined) reason = failedBeforeSteps;
  const result: JobResult = {
    id: job.id,
    key: instance.key,
    name: instance.name,
    matrix: instance.matrix,
    conclusion,
    outputs,
    steps,
    durationMs: Date.now() - started,
    ...(reason !== undefined ? { reason } : {}),
  };
  scope.emit({ type: "job-finished", key: instance.key, result });
  return result;
}

function jobStatus(steps: readonly StepResult[]): "success" | "failure" | "cancelled" {
  if (steps.some((s) => s.conclusion === "failure")) return "failure";
  if (steps.some((s) => s.conclusion === "cancelled")) return "cancelled";
  return "success";
}

function runnerContext(temp: string, jobDir: string): Record<string, string> {
  return {
    os: "Linux",
    arch: process.arch === "arm64" ? "ARM64" : "X64",
    name: "slipway",
    environment: "self-hosted",
    temp,
    tool_cache: join(jobDir, "tool-cache"),
    workspace: jobDir,
    debug: "",
  };
}

function runDefaults(
  evaluate: (token: Parameters<typeof evaluateToken>[0], contexts: Contexts) => unknown,
  token: Parameters<typeof evaluateToken>[0],
  contexts: Contexts,
): { shell?: string; workingDirectory?: string } {
  const value = evaluate(token, contexts) as
    { run?: { shell?: unknown; "working-directory"?: unknown } } | undefined;
  const run = value?.run;
  const result: { shell?: string; workingDirectory?: string } = {};
  if (run?.shell !== undefined) result.shell = toExpressionString(run.shell);
  if (run?.["working-directory"] !== undefined)
    result.workingDirectory = toExpressionString(run["working-directory"]);
  return result;
}

function stepDisplayName(
  loaded: LoadedStep,
  evaluate: (token: Parameters<typeof evaluateToken>[0]) => unknown,
): string {
  if (loaded.step.name) return toExpressionString(evaluate(loaded.step.name));
  if (loaded.uses !== undefined) return `Run ${loaded.uses}`;
  // The source text as written (`echo ${{ matrix.x }}`), not the converter's format() rewrite.
  const run = (loaded.step as unknown as { run?: { value?: unknown; source?: string } }).run;
  const text = typeof run?.value === "string" ? run.value : (run?.source ?? "");
  const firstLine = text.split("\n").find((line) => line.trim() !== "") ?? "";
  return `Run ${firstLine.trim()}`.slice(0, 80);
}

function safeString(compute: () => string): string {
  try {
    return compute();
  } catch {
    return "step";
  }
}

interface StepFiles {
  output: string;
  env: string;
  path: string;
  summary: string;
  state: string;
}

function stepFiles(temp: string, index: number | string): StepFiles {
  const dir = join(temp, "_runner_file_commands", String(index));
  mkdirSync(dir, { recursive: true });
  const files = {
    output: join(dir, "output"),
    env: join(dir, "env"),
    path: join(dir, "path"),
    summary: join(dir, "step_summary"),
    state: join(dir, "state"),
  };
  for (const path of Object.values(files)) writeFileSync(path, "");
  return files;
}

function buildProcessEnv(
  scope: RunScope,
  options: {
    workspace: string;
    temp: string;
    jobId: string;
    files: StepFiles;
    env: Record<string, string>;
    addedPath: readonly string[];
    action: string;
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
    RUNNER_TOOL_CACHE: join(options.temp, "..", "tool-cache"),
    RUNNER_WORKSPACE: join(options.workspace, ".."),
  };
  const env = { ...scope.hostEnv, ...defaults, ...options.env };
  if (options.addedPath.length > 0)
    env.PATH = [...[...options.addedPath].reverse(), env.PATH ?? ""].join(":");
  return env;
}

export interface ScriptStep {
  script: string;
  shell: string | undefined;
  /** Run `node FILE` instead of writing `script` to a file (JavaScript actions). */
  nodeFile?: string;
  cwd: string;
  env: Record<string, string>;
  temp: string;
  index: number | string;
  timeoutMs: number | undefined;
  signal: AbortSignal;
  log: (text: string, level?: LogLevel) => void;
  setOutput: (name: string, value: string) => void;
  state: Map<string, string>;
  groups: Set<number>;
  addEnv: (name: string, value: string) => void;
  addPath: (entry: string) => void;
}

async function runScriptStep(scope: RunScope, step: ScriptStep): Promise<Conclusion> {
  const shell = resolveShell(step.nodeFile !== undefined ? "node" : step.shell, step.env.PATH ?? "");
  if ("missing" in shell) {
    step.log(`Error: ${shell.missing} (SLIPWAY_MISSING_INTERPRETER)`, "error");
    return "failure";
  }
  if (!existsSync(step.cwd)) {
    step.log(`Error: working-directory ${step.cwd} does not exist`, "error");
    return "failure";
  }
  const scriptPath = step.nodeFile ?? join(step.temp, `step-${step.index}${shell.extension}`);
  if (step.nodeFile === undefined) writeFileSync(scriptPath, step.script);
  const args = shell.args.map((arg) => arg.replace("{0}", scriptPath));
  const commands = new CommandProcessor(scope, step);
  const end = await runProcess(shell.command, args, {
    cwd: step.cwd,
    env: step.env,
    timeoutMs: step.timeoutMs,
    signal: step.signal,
    onLine: (line) => commands.handle(line),
    onGroup: (pgid) => step.groups.add(pgid),
  });
  switch (end.kind) {
    case "exited":
      if (end.code !== 0) step.log(`Error: Process completed with exit code ${end.code}.`, "error");
      return end.code === 0 && !commands.failed ? "success" : "failure";
    case "timed-out":
      step.log(`Error: the step exceeded its timeout-minutes and its processes were killed`, "error");
      return "failure";
    case "cancelled":
      step.log("Error: the operation was cancelled", "error");
      return "cancelled";
    case "spawn-failed":
      step.log(`Error: cannot start ${shell.command}: ${end.message}`, "error");
      return "failure";
    default: {
      const unreachable: never = end;
      return unreachable;
    }
  }
}

/** Handles `::command::` lines under GitHub's rules, printing everything else. */
class CommandProcessor {
  failed = false;
  private stopToken: string | undefined;

  constructor(
    private readonly scope: RunScope,
    private readonly step: Pick<ScriptStep, "setOutput" | "state" | "env" | "addEnv" | "addPath"> & {
      log: (text: string, level?: LogLevel) => void;
    },
  ) {}

  handle(line: string): void {
    if (this.stopToken !== undefined) {
      if (line.trim() === `::${this.stopToken}::`) this.stopToken = undefined;
      else this.step.log(line);
      return;
    }
    const command = parseWorkflowCommand(line);
    if (!command) {
      this.step.log(line);
      return;
    }
    const allowUnsecure = (this.step.env.ACTIONS_ALLOW_UNSECURE_COMMANDS ?? "").toLowerCase() === "true";
    switch (command.command) {
      case "add-mask":
        this.scope.masker.add(command.message);
        return;
      case "error":
      case "warning":
      case "notice": {
        const where = command.properties.file
          ? ` (${command.properties.file}${command.properties.line ? `:${command.properties.line}` : ""})`
          : "";
        const label = command.command.charAt(0).toUpperCase() + command.command.slice(1);
        this.step.log(
          `${label}${where}: ${command.properties.title ? `${command.properties.title}: ` : ""}${command.message}`,
          command.command,
        );
        return;
      }
      case "group":
        this.step.log(command.message, "group");
        return;
      case "endgroup":
        this.step.log("", "endgroup");
        return;
      case "debug":
        if ((this.step.env.ACTIONS_STEP_DEBUG ?? "").toLowerCase() === "true")
          this.step.log(`##[debug]${command.message}`);
        return;
      case "set-output":
        this.step.log(
          "Warning: The `set-output` command is deprecated; write to $GITHUB_OUTPUT instead",
          "warning",
        );
        if (command.properties.name) this.step.setOutput(command.properties.name, command.message);
        return;
      case "save-state":
        if (command.properties.name) this.step.state.set(command.properties.name, command.message);
        return;
      case "set-env":
      case "add-path":
        if (!allowUnsecure) {
          this.failed = true;
          this.step.log(
            `Error: Unable to process command '${line.trim().slice(0, 60)}': the '${command.command}' command is disabled; use $GITHUB_${command.command === "set-env" ? "ENV" : "PATH"} (or set ACTIONS_ALLOW_UNSECURE_COMMANDS=true)`,
            "error",
          );
          return;
        }
        this.step.log(`Warning: '${command.command}' is deprecated`, "warning");
        if (command.command === "set-env" && command.properties.name) {
          this.step.addEnv(command.properties.name, command.message);
        } else if (command.command === "add-path") this.step.addPath(command.message);
        return;
      case "stop-commands":
        this.stopToken = command.message;
        return;
      case "echo":
        return;
      default:
        this.step.log(line);
    }
  }
}

/** Applies $GITHUB_ENV, $GITHUB_PATH, $GITHUB_OUTPUT, $GITHUB_STATE and the step summary after a step. */
function applyFileCommands(
  files: StepFiles,
  into: {
    env: Record<string, string>;
    path: string[];
    outputs: Record<string, string>;
    state: Map<string, string>;
    log(text: string, level?: LogLevel): void;
    summaryTarget: string;
  },
): boolean {
  let ok = true;
  const read = (path: string): string => (existsSync(path) ? readFileSync(path, "utf8") : "");
  for (const [file, apply] of [
    [files.env, (k: string, v: string) => (into.env[k] = v)],
    [files.output, (k: string, v: string) => (into.outputs[k] = v)],
    [files.state, (k: string, v: string) => into.state.set(k, v)],
  ] as const) {
    const parsed = parseKeyValueFile(read(file));
    for (const [key, value] of parsed.values) apply(key, value);
    for (const problem of parsed.problems) {
      into.log(`Error: ${problem}`, "error");
      ok = false;
    }
  }
  for (const line of read(files.path).split(/\r?\n/)) if (line.trim() !== "") into.path.push(line.trim());
  const summary = read(files.summary);
  if (summary.trim() !== "") appendFileSync(into.summaryTarget, summary);
  return ok;
}

interface ActionStepOptions {
  evaluate(token: Parameters<typeof evaluateToken>[0]): unknown;
  workspace: string;
  jobId: string;
  env: Record<string, string>;
  log(text: string, level?: LogLevel): void;
  setOutput(name: string, value: string): void;
  state: Map<string, string>;
  signal: AbortSignal;
  postQueue: { action: BuiltinAction; context: ActionContext; name: string }[];
  stepName: string;
}

async function runActionStep(
  scope: RunScope,
  loaded: LoadedStep,
  options: ActionStepOptions,
): Promise<Conclusion> {
  const uses = loaded.uses ?? "";
  const action = scope.findAction(uses);
  if (!action) {
    options.log(`Error: action '${uses}' is not available in Slipway`, "error");
    return "failure";
  }
  const given = options.evaluate(loaded.with) as Record<string, unknown> | undefined;
  const inputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(given ?? {}))
    inputs[name.toLowerCase()] = toExpressionString(value);
  for (const [name, declaration] of Object.entries(action.inputs)) {
    const key = name.toLowerCase();
    if (inputs[key] === undefined && declaration.default !== undefined) inputs[key] = declaration.default;
    if (inputs[key] === undefined && declaration.required) {
      options.log(`Error: ${uses}: input '${name}' is required`, "error");
      return "failure";
    }
  }
  const known = new Set(Object.keys(action.inputs).map((name) => name.toLowerCase()));
  for (const name of Object.keys(inputs)) {
    if (!known.has(name)) options.log(`Warning: ${uses}: unexpected input '${name}' (ignored)`, "warning");
  }
  const github = scope.github;
  const context: ActionContext = {
    inputs,
    workspace: options.workspace,
    repoRoot: scope.repoRoot,
    dataDir: scope.dataDir,
    runId: scope.runId,
    jobId: options.jobId,
    github: {
      sha: toExpressionString(github.sha),
      ref: toExpressionString(github.ref),
      eventName: toExpressionString(github.event_name),
      event: (github.event ?? {}) as Record<string, unknown>,
      ...(scope.baseSha !== undefined ? { baseSha: scope.baseSha } : {}),
    },
    env: options.env,
    log: (line) => options.log(line),
    warning: (message) => options.log(`Warning: ${message}`, "warning"),
    setOutput: (name, value) => options.setOutput(name, value),
    state: options.state,
    signal: options.signal,
  };
  if (action.post) options.postQueue.push({ action, context, name: options.stepName });
  try {
    await action.run(context);
    return options.signal.aborted ? "cancelled" : "success";
  } catch (error) {
    options.log(`Error: ${(error as Error).message}`, "error");
    return options.signal.aborted ? "cancelled" : "failure";
  }
}

function stringMap(value: unknown): Record<string, string> {
  if (value === undefined || value === null || typeof value !== "object") return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toExpressionString(v)]),
  );
}

function truthyValue(value: unknown): boolean {
  return value === true || value === "true";
}

function numberValue(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}
