import { resolve } from "node:path";
import { parseActionUse } from "../core/workflow/action-ref.js";
import { statusFunctions, stepConclusion, type Conclusion } from "../core/workflow/status.js";
import { runActionStep } from "./action-step.js";
import { evaluateCondition, toExpressionString, type Contexts, type evaluateToken } from "./expressions.js";
import { numberValue, stringMap, truthyValue } from "./expression-values.js";
import { applyFileCommands, stepFiles } from "./file-commands.js";
import { jobStatus, type JobState } from "./job-state.js";
import type { LoadedStep } from "./load.js";
import { runLocalActionStep } from "./local-action-step.js";
import type { StepResult } from "../core/workflow/model.js";
import { runScriptStep } from "./script-step.js";
import { buildProcessEnv } from "./step-environment.js";

/**
 * Runs step `index` of a job if its `if:` holds: a local action, a built-in action, a remote
 * action (downloaded into the actions cache) or a `run:` script; then applies its command files
 * and records its result in the job's steps. What cannot run on the host (a Docker action, an
 * action that cannot be resolved) fails here, when the step is reached — never before.
 */
export async function runStep(job: JobState, loaded: LoadedStep, index: number): Promise<void> {
  const { scope, instance, evaluate, extra, log, workspace, temp, scratch, addedEnv, addedPath } = job;
  const file = scope.workflow.file;
  const stepStarted = Date.now();
  const envContext = { ...job.jobEnv, ...addedEnv };
  const contexts: Contexts = { ...job.baseContexts, env: envContext, job: { status: jobStatus(job.steps) } };
  const stepName = safeString(() => stepDisplayName(loaded, (token) => evaluate(token, contexts)));
  job.currentStep = stepName;
  const cancelled = job.signal.aborted;
  const status = statusFunctions({ previous: job.steps.map((s) => s.conclusion), cancelled, scope: "step" });
  let outcome: Conclusion;
  let stepOutputs = Object.create(null) as Record<string, string>;
  let stepContinueOnError = false;
  let shouldRun: boolean;
  try {
    shouldRun = evaluateCondition(loaded.step.if?.expression ?? "success()", contexts, {
      ...extra,
      status,
    });
  } catch (error) {
    log(`Error: ${file}: step '${stepName}' if: ${(error as Error).message}`, "error");
    job.steps.push({
      name: stepName,
      outcome: "failure",
      conclusion: "failure",
      durationMs: 0,
      startedAt: new Date(stepStarted).toISOString(),
    });
    return;
  }
  if (!shouldRun) {
    const skipped: StepResult = {
      name: stepName,
      outcome: "skipped",
      conclusion: "skipped",
      durationMs: 0,
      startedAt: new Date(stepStarted).toISOString(),
    };
    job.steps.push(skipped);
    job.stepsContext[loaded.step.id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
    scope.emit({ type: "step-finished", key: instance.key, step: stepName, index, result: skipped });
    return;
  }
  scope.emit({ type: "step-started", key: instance.key, step: stepName, index });
  // A step that runs after a cancellation (if: always()) must not be killed by it.
  const stepController = new AbortController();
  const onJobAbort = (): void => stepController.abort(job.signal.reason);
  if (!cancelled) job.signal.addEventListener("abort", onJobAbort, { once: true });
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
    const files = stepFiles(scratch, index);
    const processEnv = buildProcessEnv(scope, {
      workspace,
      temp,
      jobId: instance.job.id,
      files,
      env,
      addedPath,
      action: loaded.step.id,
      home: job.homeEnv,
    });
    const setOutput = (name: string, value: string): void => {
      stepOutputs[name] = value;
    };
    const use = loaded.uses !== undefined ? parseActionUse(loaded.uses) : undefined;
    const actionStep = {
      index,
      name: stepName,
      contexts: stepContexts,
      processEnv,
      timeoutMinutes,
      signal: stepController.signal,
      setOutput,
    };
    if (use !== undefined && "error" in use) {
      log(`Error: step '${stepName}': uses ${use.error}`, "error");
      outcome = "failure";
    } else if (use?.kind === "docker") {
      log(
        `Error: step '${stepName}' uses ${loaded.uses}, a Docker action: Slipway runs steps on the host and does not run containers`,
        "error",
      );
      outcome = "failure";
    } else if (use?.kind === "local") {
      outcome = await runLocalActionStep(job, { ...loaded, uses: loaded.uses ?? "" }, actionStep);
    } else if (use?.kind === "remote" && !scope.findAction(loaded.uses ?? "")) {
      let actionDir: string | undefined;
      try {
        actionDir = (await scope.remoteActions.get(use, (line) => log(line))).dir;
      } catch (error) {
        log(`Error: step '${stepName}': ${(error as Error).message}`, "error");
      }
      outcome = actionDir
        ? await runLocalActionStep(job, { ...loaded, uses: loaded.uses ?? "" }, { ...actionStep, actionDir })
        : "failure";
    } else if (use !== undefined) {
      outcome = await runActionStep(scope, loaded, {
        evaluate: (token) => evaluate(token, stepContexts),
        workspace,
        jobId: instance.job.id,
        env: processEnv,
        log,
        setOutput,
        // Each action keeps its own state between run and post, like core.saveState.
        state: new Map<string, string>(),
        signal: stepController.signal,
        postQueue: job.postQueue,
        stepName,
        addPath: (dir) => addedPath.push(dir),
      });
    } else if (!("run" in loaded.step)) {
      log(`Error: step '${stepName}': this kind of step (wait/parallel/cancel) is not supported`, "error");
      outcome = "failure";
    } else {
      const script = toExpressionString(
        evaluate((loaded.step as unknown as { run: Parameters<typeof evaluateToken>[0] }).run, stepContexts),
      );
      const shell = evaluate(loaded.shell, stepContexts) as string | undefined;
      const workingDirectory =
        (evaluate(loaded.workingDirectory, stepContexts) as string | undefined) ??
        job.defaults.workingDirectory;
      outcome = await runScriptStep(scope, {
        script,
        shell: shell ?? job.defaults.shell,
        cwd: workingDirectory ? resolve(workspace, workingDirectory) : workspace,
        env: processEnv,
        scriptDir: scratch,
        index,
        timeoutMs: timeoutMinutes !== undefined ? timeoutMinutes * 60_000 : undefined,
        signal: stepController.signal,
        log,
        setOutput,
        state: job.state,
        groups: job.groups,
        addEnv: (name, value) => (addedEnv[name] = value),
        addPath: (entry) => addedPath.push(entry),
      });
    }
    const fileResults = applyFileCommands(files, {
      env: addedEnv,
      path: addedPath,
      outputs: stepOutputs,
      state: job.state,
      log,
      summaryTarget: job.summaryFile,
    });
    if (!fileResults && outcome === "success") outcome = "failure";
  } catch (error) {
    log(`Error: ${(error as Error).message}`, "error");
    outcome = "failure";
  } finally {
    job.signal.removeEventListener("abort", onJobAbort);
  }
  if (outcome === "success" && stepController.signal.aborted) outcome = "cancelled";
  stepOutputs = Object.fromEntries(Object.entries(stepOutputs).map(([k, v]) => [k, v]));
  const conclusion = stepConclusion(outcome, stepContinueOnError);
  const result: StepResult = {
    name: stepName,
    outcome,
    conclusion,
    durationMs: Date.now() - stepStarted,
    startedAt: new Date(stepStarted).toISOString(),
  };
  job.steps.push(result);
  job.stepsContext[loaded.step.id] = { outputs: stepOutputs, outcome, conclusion };
  scope.emit({ type: "step-finished", key: instance.key, step: stepName, index, result });
  await job.flushLogs();
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
