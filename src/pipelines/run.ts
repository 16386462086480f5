import { join, resolve } from "node:path";
import { SlipwayError } from "../core/errors.js";
import { matchTrigger, SUPPORTED_EVENTS } from "../core/workflow/triggers.js";
import { findBuiltinAction } from "./actions/builtin/index.js";
import { repositoryRoot } from "./git.js";
import { discoverWorkflows, loadWorkflow, type LoadedWorkflow } from "./load.js";
import type { RunResult } from "../core/workflow/model.js";
import type { RunOptions } from "./run-options.js";
import { describeTrigger } from "./trigger.js";
import { runWorkflow, skippedRun } from "./workflow-run.js";

export type { JobEnvironmentGate, RunOptions } from "./run-options.js";

/**
 * Runs every workflow of the repository that the event triggers (or the one given) and returns a
 * result per workflow, skipped ones included with their reason. Throws SlipwayError for invalid
 * input (exit 2): a workflow that does not parse, a missing required input, an unknown ref.
 *
 * @example
 * const [result] = await runWorkflows({ dir: "/src/app", event: "push", signal: controller.signal });
 * console.log(result.conclusion);
 */
export async function runWorkflows(options: RunOptions): Promise<RunResult[]> {
  const repoRoot = repositoryRoot(resolve(options.dir ?? process.cwd()));
  const event = options.event ?? "push";
  if (!(SUPPORTED_EVENTS as readonly string[]).includes(event)) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `--event ${event}: expected one of ${SUPPORTED_EVENTS.join(", ")}`,
    );
  }
  const findAction = options.findAction ?? findBuiltinAction;
  const files = options.workflowFile
    ? [resolve(options.dir ?? process.cwd(), options.workflowFile)]
    : discoverWorkflows(repoRoot);
  if (files.length === 0) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `no workflows found in ${join(repoRoot, ".github/workflows")} (or pass -W FILE)`,
    );
  }
  // git answers about the event while the workflows parse; a workflow's problem is reported first.
  const describing = describeTrigger(repoRoot, event, options);
  describing.catch(() => undefined);
  const loaded = await loadAll(files, repoRoot);
  const wanted = options.job;
  if (wanted !== undefined && !loaded.some((workflow) => workflow.jobs.some((job) => job.id === wanted))) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `--job ${wanted}: no workflow has a job with that id`);
  }
  const trigger = await describing;
  const results: RunResult[] = [];
  for (const workflow of loaded) {
    if (options.job !== undefined && !workflow.jobs.some((job) => job.id === options.job)) {
      if (options.workflowFile) {
        throw new SlipwayError(
          "SLIPWAY_INVALID_ARGUMENT",
          `--job ${options.job}: no such job in ${workflow.file} (jobs: ${workflow.jobs.map((j) => j.id).join(", ")})`,
        );
      }
      continue;
    }
    const decision = matchTrigger(workflow.on, trigger.event);
    if (!decision.matched) {
      results.push(skippedRun(workflow, trigger, decision.reason));
      continue;
    }
    if (options.signal?.aborted) break;
    results.push(await runWorkflow(workflow, trigger, { ...options, findAction }, repoRoot));
  }
  return results;
}

/** Loads every file, reporting the problems of all invalid ones in one error. */
async function loadAll(files: string[], repoRoot: string): Promise<LoadedWorkflow[]> {
  const loaded: LoadedWorkflow[] = [];
  const problems: SlipwayError[] = [];
  for (const file of files) {
    try {
      loaded.push(await loadWorkflow(file, { repoRoot }));
    } catch (error) {
      if (error instanceof SlipwayError) problems.push(error);
      else throw error;
    }
  }
  if (problems.length > 0) {
    const first = problems[0] as SlipwayError;
    const rest = problems.flatMap((p, i) => [...(i === 0 ? [] : [p.message]), ...(p.details.problems ?? [])]);
    throw new SlipwayError(first.code, first.message, { problems: rest });
  }
  return loaded;
}
