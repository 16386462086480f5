import type { Conclusion } from "../core/workflow/status.js";
import type { ActionContext, BuiltinAction } from "./actions/contract.js";
import { toExpressionString, type evaluateToken } from "./expressions.js";
import type { LoadedStep } from "./load.js";
import type { LogLevel } from "../core/workflow/model.js";
import type { RunScope } from "./run-scope.js";

/** An action's post step, run after the job's steps with the job's status. */
export interface QueuedPost {
  action: BuiltinAction;
  context: ActionContext;
  name: string;
}

export interface ActionStepOptions {
  evaluate(token: Parameters<typeof evaluateToken>[0]): unknown;
  workspace: string;
  jobId: string;
  env: Record<string, string>;
  log(text: string, level?: LogLevel): void;
  setOutput(name: string, value: string): void;
  state: Map<string, string>;
  signal: AbortSignal;
  postQueue: QueuedPost[];
  stepName: string;
  addPath(dir: string): void;
}

/** Runs a built-in action (`uses: actions/checkout@v4`) with its inputs checked against its declaration. */
export async function runActionStep(
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
  const inputs = Object.create(null) as Record<string, string>;
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
    ...(scope.sharedCache ? { sharedCache: scope.sharedCache } : {}),
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
    addPath: (dir) => options.addPath(dir),
    settings: scope.settings,
    reuseWorktree: (sha) => scope.worktrees.claim(options.workspace, sha),
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
