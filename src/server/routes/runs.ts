import { createReadStream } from "node:fs";
import { z } from "zod";
import { SUPPORTED_EVENTS } from "../../core/workflow/triggers.js";
import { SlipwayError } from "../../core/errors.js";
import { actorOf } from "../actor.js";
import { STREAMED, defineRoute, type ApiReply, type ApiRoute } from "../api-route.js";
import { runsAndNotifierOf } from "../runs-and-notifier.js";

const listQuery = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, "a whole number")
    .optional()
    .describe("At most this many (1-500, default 50)"),
});
const logsQuery = z.object({
  job: z.string().optional().describe("A job id (every matrix combination) or one job key"),
});
const triggerBody = z.strictObject({
  workflow: z
    .string()
    .min(1)
    .describe("Workflow file: a name in .github/workflows (deploy.yml) or a path from the repository root"),
  ref: z.string().min(1).optional().describe("Branch, tag or commit (default: the repository's HEAD)"),
  inputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  event: z
    .enum(SUPPORTED_EVENTS)
    .optional()
    .describe("The event the run sees (default workflow_dispatch, which the workflow must declare)"),
});

const approveBody = z.strictObject({
  verdict: z.enum(["approve", "reject"]).optional().describe("Default approve; reject fails the job"),
  comment: z.string().max(500).optional(),
});

/** Workflow runs: the list, one run with its job graph, its logs and artifacts; start and cancel. */
export const runRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/runs",
    tag: "runs",
    summary: "Workflow runs, newest first, each with its jobs",
    query: listQuery,
    handler: async ({ app, query }) => {
      const limit = Math.min(500, Math.max(1, Number(query.limit ?? 50)));
      return { status: 200, body: { runs: await runsAndNotifierOf(app).runs.list(limit) } };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/runs/:id",
    tag: "runs",
    summary: "One run: status, timings, its jobs with the jobs each needs and their steps, and its commit",
    description:
      "`run.commit` is `{ sha, message, author, authoredAt }` from the repository, absent when the " +
      "repository does not have the commit.",
    handler: async ({ app, params }) => {
      const runs = runsAndNotifierOf(app).runs;
      const run = await runs.get(params.id ?? "");
      if (!run) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no run ${params.id}`);
      const commit = run.sha ? await runs.commit(run.sha) : undefined;
      return { status: 200, body: { run: commit ? { ...run, commit } : run } };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/runs/:id/logs",
    tag: "runs",
    summary: "A run's log lines per job, masked as stored",
    description:
      "JSON `{ runId, jobs: [{ key, id, lines: [{ step, level, text, at? }], reason? }] }` (`at`: when the line " +
      "was written, ISO-8601); with `Accept: text/plain` " +
      "the lines as `slipway logs` prints them, under `== job / step` headings. `job` names jobs as " +
      "`slipway logs --job` does (id, key, or the name shown); a job that ended before its first step has no " +
      "lines and the `reason` it ended; 404 when the run has no such job.",
    query: logsQuery,
    handler: async ({ app, params, query, req, res }): Promise<ApiReply> => {
      const jobs = await runsAndNotifierOf(app).runs.logs(params.id ?? "", query.job);
      if (!(req.headers.accept ?? "").startsWith("text/plain")) {
        return { status: 200, body: { runId: params.id, jobs } };
      }
      const out: string[] = [];
      for (const job of jobs) {
        if (job.lines.length === 0 && job.reason !== undefined) out.push(`== ${job.key}`, job.reason);
        let heading = "";
        for (const line of job.lines) {
          const next = `== ${job.key} / ${line.step}`;
          if (next !== heading) out.push((heading = next));
          if (line.level === "endgroup" || line.level === "summary") continue;
          out.push(line.level === "group" ? `▸ ${line.text}` : line.text);
        }
      }
      const text = out.length ? `${out.join("\n")}\n` : "";
      res.writeHead(200, {
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(text),
        "cache-control": "no-store",
      });
      res.end(text);
      return STREAMED;
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/runs/:id/summary",
    tag: "runs",
    summary: "The step summaries ($GITHUB_STEP_SUMMARY) of a run's jobs, as Markdown",
    description: "JSON `{ runId, jobs: [{ key, id, markdown }] }`, only jobs that wrote a summary.",
    handler: async ({ app, params }) => {
      const jobs = await runsAndNotifierOf(app).runs.logs(params.id ?? "");
      const summaries = jobs.flatMap((job) => {
        const lines = job.lines.filter((line) => line.level === "summary").map((line) => line.text);
        return lines.length > 0 ? [{ key: job.key, id: job.id, markdown: `${lines.join("\n")}\n` }] : [];
      });
      return { status: 200, body: { runId: params.id, jobs: summaries } };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/runs/:id/artifacts",
    tag: "runs",
    summary: "A run's artifacts (name, files, size, digest, expiry)",
    handler: async ({ app, params }) => {
      const id = params.id ?? "";
      const records = await runsAndNotifierOf(app).runs.artifacts(id);
      const artifacts = records.map((record) => ({
        ...record,
        size: record.sizeBytes,
        url: `/api/runs/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(record.name)}`,
      }));
      return { status: 200, body: { runId: id, artifacts } };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/runs/:id/artifacts/:name",
    tag: "runs",
    summary: "Download one artifact as a gzip tar",
    description: "The archive holds the artifact's files at the paths they were uploaded with.",
    produces: "text/plain",
    handler: async ({ app, params, res }): Promise<ApiReply> => {
      const { path, record, cleanup } = await runsAndNotifierOf(app).runs.artifactArchive(
        params.id ?? "",
        params.name ?? "",
      );
      res.writeHead(200, {
        "content-type": "application/gzip",
        "content-disposition": `attachment; filename="${record.name.replace(/[^A-Za-z0-9._-]/g, "_")}.tar.gz"`,
        "x-slipway-artifact-digest": record.digest,
      });
      await new Promise<void>((resolve) => {
        const stream = createReadStream(path);
        stream.on("error", () => res.destroy());
        res.on("close", resolve);
        stream.pipe(res);
      }).finally(cleanup);
      return STREAMED;
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/runs",
    tag: "runs",
    summary: "Start a workflow (workflow_dispatch by default) at a ref, with inputs",
    description:
      "Answers 202 with the run once it has started (it goes on in the server); 400 when the workflow " +
      "does not run on the event or an input is missing or invalid; 404 for an unknown workflow.",
    body: triggerBody,
    handler: async ({ app, body, principal }) => {
      const outcome = await runsAndNotifierOf(app).runs.trigger({
        event: body.event ?? "workflow_dispatch",
        workflow: body.workflow,
        ...(body.ref ? { ref: body.ref } : {}),
        ...(body.inputs
          ? { inputs: Object.fromEntries(Object.entries(body.inputs).map(([k, v]) => [k, String(v)])) }
          : {}),
        actor: actorOf(principal),
      });
      return { status: 202, body: { run: outcome.runs[0] } };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/runs/:id/cancel",
    tag: "runs",
    summary: "Cancel a run in progress; answers when it has stopped",
    handler: async ({ app, params }) => ({
      status: 200,
      body: { run: await runsAndNotifierOf(app).runs.cancel(params.id ?? "") },
    }),
  }),
  defineRoute({
    method: "POST",
    path: "/api/runs/:id/rerun",
    tag: "runs",
    summary: "Run a finished run's workflow again on the same commit, as a new run",
    description:
      "Same workflow file, event, payload and inputs, pinned to the run's commit even when its branch " +
      "has moved on. 202 with the new run; 409 while the run is still running, or when its workflow " +
      "file is gone; 400 when the workflow no longer runs on the event or the commit is not in the " +
      "repository.",
    handler: async ({ app, params, principal }) => ({
      status: 202,
      body: { run: await runsAndNotifierOf(app).runs.rerun(params.id ?? "", actorOf(principal)) },
    }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/workflows",
    tag: "runs",
    summary: "The repository's workflow files and branches (what POST /api/runs may start)",
    description:
      "`{ workflows: [{ file, name, dispatch, problem? }], branches }`: `dispatch` says whether " +
      "`workflow_dispatch` starts the file; `branches` are local, the checked-out one first.",
    handler: async ({ app }) => ({ status: 200, body: await runsAndNotifierOf(app).runs.workflows() }),
  }),
  defineRoute({
    method: "POST",
    path: "/api/runs/:id/jobs/:job/approve",
    tag: "runs",
    summary: "Approve (or reject) a job waiting for its environment's approval",
    description:
      "A job with `environment: NAME` whose environment has `approval` waits until someone other than the " +
      "run's requester approves it (403 for the requester, or anyone outside `approvers`); it fails when " +
      "rejected or when the approval expires. 409 when the job is not waiting.",
    body: approveBody,
    environment: ({ params, app }) =>
      runsAndNotifierOf(app).runs.waitingEnvironment(params.id ?? "", params.job ?? ""),
    auditReason: (body) => body.comment,
    handler: async ({ app, params, body, principal }) => {
      if (principal.kind === "anonymous") throw new SlipwayError("SLIPWAY_UNAUTHENTICATED", "sign in first");
      const run = await runsAndNotifierOf(app).runs.decide(
        params.id ?? "",
        params.job ?? "",
        { id: principal.id, name: principal.name },
        body.verdict ?? "approve",
        body.comment,
      );
      return { status: 200, body: { run } };
    },
  }),
];
