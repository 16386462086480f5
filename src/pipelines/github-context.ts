import type { LoadedWorkflow } from "./load.js";
import type { TriggerInfo } from "./trigger.js";

/** The `github` context of a run, as GitHub fills it for the same event (`token` is filled by the run from its GITHUB_TOKEN secret). */
export function githubContext(run: {
  repository: string;
  workflow: LoadedWorkflow;
  trigger: TriggerInfo;
  inputs: Record<string, unknown>;
  runId: string;
  runNumber: number;
}): Record<string, unknown> {
  const { repository, workflow, trigger, inputs, runId } = run;
  const eventName = trigger.event.name;
  const refName = trigger.ref.replace(/^refs\/(heads|tags)\//, "");
  const author = trigger.author;
  return {
    event_name: eventName,
    event: {
      ...(eventName === "schedule" ? { schedule: firstCron(workflow) } : {}),
      ...trigger.payload,
      ...(eventName === "workflow_dispatch" ? { inputs } : {}),
    },
    sha: trigger.sha,
    ref: trigger.ref,
    ref_name: eventName === "pull_request" ? trigger.ref.replace(/^refs\//, "") : refName,
    ref_type: trigger.ref.startsWith("refs/tags/") ? "tag" : "branch",
    head_ref: trigger.headRef,
    base_ref: trigger.baseRef,
    repository,
    repository_owner: repository.split("/")[0],
    actor: author,
    triggering_actor: author,
    workflow: workflow.name,
    workflow_ref: `${repository}/${workflow.file}@${trigger.ref}`,
    run_id: runId,
    run_number: String(run.runNumber),
    run_attempt: "1",
    server_url: "https://github.com",
    api_url: "https://api.github.com",
    graphql_url: "https://api.github.com/graphql",
    retention_days: "90",
    token: "",
  };
}

/** `slipway run --event schedule`: the workflow's first cron, as if it had fired. */
function firstCron(workflow: LoadedWorkflow): string | undefined {
  const schedule = workflow.on.schedule;
  const first: unknown = Array.isArray(schedule) ? schedule[0] : undefined;
  const cron = (first as { cron?: unknown } | undefined)?.cron;
  return typeof cron === "string" ? cron : undefined;
}
