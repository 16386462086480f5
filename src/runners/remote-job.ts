import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Masker } from "../core/workflow/masker.js";
import type { JobResult, LogLine, RunEvent } from "../core/workflow/model.js";
import { findBuiltinAction } from "../pipelines/actions/builtin/index.js";
import type { SharedCache } from "../pipelines/actions/contract.js";
import { addWorktree } from "../pipelines/git.js";
import { runJob } from "../pipelines/job.js";
import { loadWorkflow } from "../pipelines/load.js";
import { RemoteActions } from "../pipelines/remote-actions.js";
import type { RunScope } from "../pipelines/run-scope.js";
import { pipelineSettings } from "../pipelines/settings.js";
import { makeScratchDir } from "../pipelines/workflow-run.js";
import { WorktreePool } from "../pipelines/worktree-pool.js";
import { markUsed } from "./keep-newest.js";
import type { RemoteJobSpec } from "./protocol.js";

export interface RemoteJobHost {
  /** A repository on this host holding the job's commit (source.ts repositoryWith). */
  repo: string;
  /** The runner's work directory: checkouts of each commit's workflows live below it. */
  workDir: string;
  /** The job's own data directory: what its artifacts and cache saves go to, then uploaded. */
  dataDir: string;
  /** Where the job's cache restores come from: the server's store (server-cache.ts). */
  sharedCache?: SharedCache;
  hostEnv: Record<string, string>;
  emit(event: RunEvent): void;
  storeLogs(lines: readonly LogLine[]): void;
  signal: AbortSignal;
}

/**
 * Runs a job the server handed over, on this host, the way the server would run it in its own
 * process: the same engine (runJob) in a worktree of the commit, with the contexts the server
 * evaluated (github, needs, matrix, inputs, vars, secrets).
 */
export async function runRemoteJob(spec: RemoteJobSpec, host: RemoteJobHost): Promise<JobResult> {
  const source = join(host.workDir, "source", spec.sha);
  if (!existsSync(source)) await addWorktree(host.repo, source, spec.sha);
  else markUsed(source); // kept among the checkouts used most recently (pruneSources)
  const workflow = await loadWorkflow(join(source, spec.workflowFile), { repoRoot: source });
  const job = workflow.jobs.find((candidate) => candidate.id === spec.jobId);
  if (!job) throw new Error(`${spec.workflowFile} at ${spec.sha.slice(0, 12)} has no job ${spec.jobId}`);

  const masker = new Masker();
  for (const value of Object.values(spec.secrets)) masker.add(value);
  const settings = pipelineSettings(host.hostEnv);
  if (settings.actionsToken) masker.add(settings.actionsToken);
  const runDir = mkdtempSync(join(host.workDir, `run-${spec.runId}-`));
  const scratchDir = makeScratchDir(settings.scratchRoot, spec.runId);
  const worktrees = new WorktreePool(host.repo, join(runDir, "worktrees"));
  const cleanUps: Promise<void>[] = [];
  try {
    const eventPath = join(runDir, "event.json");
    writeFileSync(eventPath, JSON.stringify(spec.github.event ?? {}, null, 2));
    const scope: RunScope = {
      runId: spec.runId,
      runNumber: spec.runNumber,
      repoRoot: host.repo,
      workflow,
      runDir,
      scratchDir,
      dataDir: host.dataDir,
      ...(host.sharedCache ? { sharedCache: host.sharedCache } : {}),
      github: spec.github,
      eventPath,
      baseSha: spec.baseSha,
      inputs: spec.inputs,
      vars: spec.vars,
      secrets: spec.secrets,
      masker,
      hostEnv: host.hostEnv,
      findAction: findBuiltinAction,
      settings,
      remoteActions: new RemoteActions({
        serverUrl: settings.actionsServerUrl,
        cacheDir: settings.cacheDir,
        token: settings.actionsToken,
      }),
      emit: (event) => host.emit(event),
      storeLogs: (_key, _jobId, lines) => {
        host.storeLogs(lines);
        return Promise.resolve();
      },
      keepWorkspaces: false,
      worktrees,
      cleanUp: (task) => void cleanUps.push(task().catch(() => undefined)),
    };
    return await runJob(scope, {
      job,
      key: spec.key,
      name: spec.name,
      matrix: spec.matrix,
      strategy: spec.strategy,
      needs: spec.needs,
      signal: host.signal,
    });
  } finally {
    await Promise.all(cleanUps);
    await worktrees.close();
    rmSync(runDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
  }
}
