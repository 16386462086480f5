import { parseActionUse } from "../core/workflow/action-ref.js";
import type { Conclusion } from "../core/workflow/status.js";
import type { ActionContext } from "./actions/contract.js";
import { runActionStep } from "./action-step.js";
import type { Contexts } from "./expressions.js";
import { applyFileCommands, stepFiles } from "./file-commands.js";
import type { JobState } from "./job-state.js";
import type { LoadedStep } from "./load.js";
import { runLocalAction } from "./local-action.js";
import { runScriptStep } from "./script-step.js";
import { buildProcessEnv } from "./step-environment.js";
import { actionNode } from "./tool-cache/action-node.js";

/**
 * Runs a `uses: ./path` step, or a remote action already in the actions cache (`actionDir`): lends
 * the action the job's built-in actions, remote actions, processes (each with its own command
 * files, numbered below the step's index) and post queue.
 */
export function runLocalActionStep(
  job: JobState,
  loaded: LoadedStep & { uses: string },
  step: {
    index: number;
    name: string;
    contexts: Contexts;
    processEnv: Record<string, string>;
    timeoutMinutes: number | undefined;
    signal: AbortSignal;
    setOutput: (name: string, value: string) => void;
    /** The action's directory when it is a remote action (in the actions cache). */
    actionDir?: string;
  },
): Promise<Conclusion> {
  const { scope, workspace, temp, scratch, evaluate, log, postQueue, addedEnv, addedPath } = job;
  const jobId = job.instance.job.id;
  const { index } = step;
  let subIndex = 0;
  return runLocalAction({
    uses: loaded.uses,
    ...(step.actionDir ? { actionDir: step.actionDir } : {}),
    workspace,
    contexts: step.contexts,
    withValues: (evaluate(loaded.with, step.contexts) ?? {}) as Record<string, unknown>,
    evaluate,
    log,
    setOutput: step.setOutput,
    signal: step.signal,
    findAction: (uses) => scope.findAction(uses),
    resolveRemote: async (uses) => {
      const use = parseActionUse(uses);
      if ("error" in use || use.kind !== "remote")
        throw new Error(`uses ${"error" in use ? use.error : uses}`);
      return (await scope.remoteActions.get(use, (line) => log(line))).dir;
    },
    nodeFor: (using) =>
      actionNode(using, {
        settings: scope.settings,
        env: step.processEnv,
        signal: step.signal,
        log: (line) => log(line),
        uses: loaded.uses,
      }),
    runBuiltin: (uses, inputs, outputs) =>
      runActionStep(
        scope,
        { ...loaded, uses, with: undefined },
        {
          evaluate: () => inputs,
          workspace,
          jobId,
          env: step.processEnv,
          log,
          setOutput: (name, value) => (outputs[name] = value),
          state: new Map<string, string>(),
          signal: step.signal,
          postQueue,
          stepName: `${step.name} / ${uses}`,
          addPath: (dir) => addedPath.push(dir),
        },
      ),
    runProcess: async (command, options) => {
      const files = stepFiles(scratch, `${index}-${++subIndex}`);
      const env = buildProcessEnv(scope, {
        workspace,
        temp,
        jobId,
        files,
        env: options.env,
        addedPath,
        action: loaded.step.id,
        home: job.homeEnv,
      });
      const ended = await runScriptStep(scope, {
        ...command,
        cwd: options.cwd ?? workspace,
        env,
        scriptDir: scratch,
        index: `${index}-${subIndex}`,
        timeoutMs: step.timeoutMinutes !== undefined ? step.timeoutMinutes * 60_000 : undefined,
        signal: options.signal ?? step.signal,
        log,
        setOutput: (name, value) => (options.outputs[name] = value),
        state: options.state,
        groups: job.groups,
        addEnv: (name, value) => (addedEnv[name] = value),
        addPath: (entry) => addedPath.push(entry),
      });
      const ok = applyFileCommands(files, {
        env: addedEnv,
        path: addedPath,
        outputs: options.outputs,
        state: options.state,
        log,
        summaryTarget: job.summaryFile,
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
}
