import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { z } from "zod";
import { SlipwayError } from "../../core/errors.js";
import { cacheStoreFor } from "../../pipelines/actions/builtin/cache.js";
import { CACHE_ENTRY_ID, cacheEntryId } from "../../pipelines/cache/cache-store.js";
import { packJobFiles, receiveJobFiles, uploadLimitFrom } from "../../runners/files.js";
import { commitBundle } from "../../runners/source.js";
import type { CacheLookupReply, HeartbeatBody } from "../../runners/protocol.js";
import type { JobResult } from "../../core/workflow/model.js";
import { STREAMED, defineRoute, type ApiReply, type ApiRoute, type RouteContext } from "../api-route.js";
import { runsAndNotifierOf } from "../runs-and-notifier.js";

/** A claim waits this long for a job before answering 204 (the runner asks again at once). */
const CLAIM_WAIT_MS = 20_000;
const RUNNER_HEADER = "x-slipway-runner";

const claimBody = z.strictObject({
  labels: z.array(z.string().min(1).max(100)).min(1).max(50).describe("The runner's labels (runs-on)"),
  waitMs: z.number().int().min(0).max(CLAIM_WAIT_MS).optional().describe("Long poll, default 20000"),
});
const logLine = z.object({
  step: z.string(),
  text: z.string(),
  level: z.string(),
});
const heartbeatBody = z.strictObject({
  events: z.array(z.object({ type: z.string() }).passthrough()).max(5_000),
  stored: z.array(logLine).max(5_000),
});
const finishBody = z.strictObject({
  result: z
    .object({ conclusion: z.enum(["success", "failure", "cancelled", "skipped"]) })
    .passthrough(),
});

/** GitHub's limits on actions/cache keys: 512 characters, no commas, at most 10 keys in all. */
const cacheKey = z
  .string()
  .min(1)
  .max(512)
  .refine((key) => !key.includes(","), "a cache key cannot contain commas");
export const cacheLookupBody = z.strictObject({
  key: cacheKey.describe("The primary key (exact match)"),
  restoreKeys: z.array(cacheKey).max(9).describe("Key prefixes tried in order; the newest match of the first wins"),
  version: z
    .string()
    .regex(/^[0-9a-f]{16}$/, "a cache version is 16 hex digits (cacheVersion of the paths)")
    .describe("cacheVersion of the step's paths: entries of other paths never match"),
});

function queueOf(app: RouteContext<unknown, unknown>["app"]) {
  const queue = runsAndNotifierOf(app).runnerQueue;
  if (!queue) {
    throw new SlipwayError(
      "SLIPWAY_UNAVAILABLE",
      "this server runs workflow jobs itself: start it with --runners queue (PostgreSQL) to use runners",
    );
  }
  return queue;
}

/** The runner: its token, and the process it says it is (one token may serve several). */
function runnerOf(ctx: RouteContext<unknown, unknown>): string {
  const principal = ctx.principal;
  const id = principal.kind === "anonymous" ? "anonymous" : principal.name;
  const header = ctx.req.headers[RUNNER_HEADER];
  const instance = typeof header === "string" && /^[\w.:@-]{1,100}$/.test(header) ? header : "runner";
  return `${id}/${instance}`;
}

/** Answers 200 with a stream's bytes (none, with `content-length: 0`, for no stream). */
async function sendStream(
  res: ServerResponse,
  type: string,
  body: Readable | undefined,
  length?: number,
): Promise<ApiReply> {
  const size = body ? length : 0;
  res.writeHead(200, { "content-type": type, ...(size !== undefined ? { "content-length": String(size) } : {}) });
  if (!body) res.end();
  else {
    await new Promise<void>((resolve, reject) => {
      body.on("error", reject).pipe(res).on("finish", resolve);
    });
  }
  return STREAMED;
}

/** The runner API (`slipway runner`): take a job, fetch its commit, beat, upload files, finish. */
export const runnerRoutes: ApiRoute[] = [
  defineRoute({
    method: "POST",
    path: "/api/runner/claim",
    tag: "runners",
    summary: "Take the oldest queued job whose runs-on labels the runner has (long poll)",
    description:
      "Answers `{ job }` with what the job needs (its secrets included), or `{ job: null }` when " +
      "none came within `waitMs`. Only a runner token (scope runner) may call the runner API.",
    body: claimBody,
    handler: async (ctx) => {
      const queue = queueOf(ctx.app);
      const hungUp = new AbortController();
      ctx.res.once("close", () => hungUp.abort());
      const job = await queue.claim(runnerOf(ctx), ctx.body.labels, ctx.body.waitMs ?? CLAIM_WAIT_MS, hungUp.signal);
      return { status: 200, body: { job: job ?? null } };
    },
  }),
  defineRoute({
    // POST, as every runner call: a follower replica forwards it to the leader, which holds the job.
    method: "POST",
    path: "/api/runner/jobs/:id/source",
    tag: "runners",
    summary: "The job's commit, as a git bundle",
    handler: async (ctx): Promise<ApiReply> => {
      const scope = queueOf(ctx.app).jobScope(ctx.params.id ?? "", runnerOf(ctx));
      const file = await commitBundle(scope.repoRoot, scope.sha, join(scope.dataDir, "runner-bundles"));
      return sendStream(ctx.res, "application/octet-stream", createReadStream(file));
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/runner/jobs/:id/heartbeat",
    tag: "runners",
    summary: "The runner is alive: its job's events and log lines since the last beat; answers whether to cancel",
    body: heartbeatBody,
    handler: async (ctx) => {
      const reply = await queueOf(ctx.app).heartbeat(
        ctx.params.id ?? "",
        runnerOf(ctx),
        ctx.body as unknown as HeartbeatBody,
      );
      return { status: 200, body: reply };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/runner/jobs/:id/artifacts",
    tag: "runners",
    summary: "The artifacts of the job's run uploaded so far, as a gzip tar of artifacts/<run> (empty body: none)",
    handler: async (ctx): Promise<ApiReply> => {
      const scope = queueOf(ctx.app).jobScope(ctx.params.id ?? "", runnerOf(ctx));
      return sendStream(ctx.res, "application/gzip", packJobFiles(scope.dataDir, [join("artifacts", scope.runId)]));
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/api/runner/jobs/:id/files",
    tag: "runners",
    summary: "The artifacts and cache entries the job saved (a gzip tar of artifacts/<run> and cache/)",
    description:
      "Refused with 400 when it is not a gzip tar or unpacks to more than SLIPWAY_RUNNER_UPLOAD_MAX_BYTES " +
      "(default 10 GiB); nothing of a refused upload is kept.",
    handler: async (ctx): Promise<ApiReply> => {
      const scope = queueOf(ctx.app).jobScope(ctx.params.id ?? "", runnerOf(ctx));
      const files = await receiveJobFiles(ctx.req, scope.dataDir, scope.runId, uploadLimitFrom(process.env));
      return { status: 200, body: { files } };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/runner/jobs/:id/finish",
    tag: "runners",
    summary: "The job's result; the job is done",
    body: finishBody,
    handler: async (ctx) => {
      await queueOf(ctx.app).finish(ctx.params.id ?? "", runnerOf(ctx), ctx.body.result as unknown as JobResult);
      return { status: 200, body: { ok: true } };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/runner/jobs/:id/cache/lookup",
    tag: "runners",
    summary: "The server's cache entry an actions/cache restore of the job takes (exact key, else restore-key prefixes)",
    description:
      "The server's store holds what every runner and the server itself saved. Answers `{ kind: \"miss\" }`, " +
      "or the entry's record (with its archive's sha256) and `id` for the archive; the entry counts as used " +
      "(least-recently-used eviction).",
    body: cacheLookupBody,
    handler: async (ctx) => {
      const scope = queueOf(ctx.app).jobScope(ctx.params.id ?? "", runnerOf(ctx));
      const { key, restoreKeys, version } = ctx.body;
      const store = cacheStoreFor(scope.dataDir);
      const result = await store.lookup(key, restoreKeys, version);
      const reply: CacheLookupReply =
        result.kind === "miss"
          ? result
          : {
              ...result,
              id: cacheEntryId(result.entry.key, result.entry.version),
              entry: await store.withSha256(result.entry), // what the runner checks its download against
            };
      return { status: 200, body: reply };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/runner/jobs/:id/cache/entries/:entry",
    tag: "runners",
    summary: "The archive of a cache entry the lookup named (the runner checks it against the record's sizeBytes and sha256)",
    responses: { 400: "Not an entry id (32 hex digits)", 404: "No such entry (evicted since the lookup)" },
    handler: async (ctx): Promise<ApiReply> => {
      const id = ctx.params.entry ?? "";
      if (!CACHE_ENTRY_ID.test(id)) {
        throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", "a cache entry id is 32 hex digits, as the lookup names it");
      }
      const scope = queueOf(ctx.app).jobScope(ctx.params.id ?? "", runnerOf(ctx));
      const found = await cacheStoreFor(scope.dataDir).find(id);
      if (!found) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no cache entry ${id} (evicted since the lookup?)`);
      // The file's own size: a record that disagrees (an odd upload) fails the runner's check, not the framing.
      const size = (await stat(found.archive)).size;
      return sendStream(ctx.res, "application/octet-stream", createReadStream(found.archive), size);
    },
  }),
];
