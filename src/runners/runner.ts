import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { JobResult, LogLine, RunEvent } from "../core/workflow/model.js";
import { cacheStoreFor } from "../pipelines/actions/builtin/cache.js";
import { killOrphans, killRunProcesses } from "../pipelines/runs/tracked-processes.js";
import { packJobFiles, unpackInto, uploadedParts } from "./files.js";
import { RUNNER_PATHS, type HeartbeatReply, type RemoteJobSpec } from "./protocol.js";
import { runRemoteJob } from "./remote-job.js";
import { keepSavedEntries, ServerCache } from "./server-cache.js";
import { pruneSources, repositoryWith } from "./source.js";

export interface RunnerOptions {
  /** The control plane's URL, e.g. http://10.0.0.1:7070. */
  server: string;
  /** A runner token (`slipway token create NAME --scope runner`). */
  token: string;
  /** Every label the runner answers to (runs-on must be a subset). */
  labels: string[];
  /** Where checkouts and job directories live. */
  workDir: string;
  /** Stops taking jobs; the job under way is cancelled and reported. */
  signal: AbortSignal;
  /** Environment given to steps (default: process.env, as `slipway run` does). */
  hostEnv?: Record<string, string>;
  say?: (line: string) => void;
  /** Stop after this many jobs (tests, benchmarks). */
  maxJobs?: number;
}

/** At most this many events or lines per beat: a beat stays far below the API's 1 MB body limit. */
const BATCH = 500;

/**
 * `slipway runner`: takes jobs from the server one at a time (long poll), runs each on this host,
 * beats while it runs (events and log lines since the last beat go with it; the answer says
 * whether to cancel), uploads the artifacts and cache entries the job saved, and reports its
 * result. Returns when `signal` aborts.
 */
export async function runRunner(options: RunnerOptions): Promise<void> {
  const say = options.say ?? (() => undefined);
  const instance = `${hostname()}:${process.pid}`;
  const base = options.server.replace(/\/+$/, "");
  const call = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${options.token}`,
        "x-slipway-runner": instance,
        ...(init.body && typeof init.body === "string" ? { "content-type": "application/json" } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  const json = async <T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> => {
    const response = await call(path, { method: "POST", body: JSON.stringify(body), ...(signal ? { signal } : {}) });
    const text = await response.text();
    if (!response.ok) throw new HttpError(response.status, `${path}: ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  mkdirSync(options.workDir, { recursive: true });
  // What the steps of a runner process that was killed left running: nobody else will end it.
  const orphans = killOrphans();
  if (orphans.length > 0)
    say(`runner: killed ${orphans.length} process(es) an earlier runner's steps left running`);
  say(`runner ${instance}: taking jobs from ${base} with labels ${options.labels.join(", ")}`);
  let done = 0;
  while (!options.signal.aborted && (options.maxJobs === undefined || done < options.maxJobs)) {
    let job: RemoteJobSpec | null;
    try {
      ({ job } = await json<{ job: RemoteJobSpec | null }>(
        RUNNER_PATHS.claim,
        { labels: options.labels },
        options.signal,
      ));
    } catch (error) {
      if (options.signal.aborted) break;
      say(`runner: cannot take jobs: ${(error as Error).message}; retrying in 1s`);
      if (error instanceof HttpError && (error.status === 401 || error.status === 403)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      continue;
    }
    if (!job) continue;
    done++;
    say(`runner: job ${job.key} of run ${job.runId}`);
    const result = await runOne(job, options, call, json, say);
    say(`runner: job ${job.key} ${result.conclusion}`);
  }
}

async function runOne(
  spec: RemoteJobSpec,
  options: RunnerOptions,
  call: (path: string, init?: RequestInit) => Promise<Response>,
  json: <T>(path: string, body: unknown) => Promise<T>,
  say: (line: string) => void,
): Promise<JobResult> {
  const events: RunEvent[] = [];
  const stored: LogLine[] = [];
  const cancel = new AbortController();
  const onStop = (): void => cancel.abort();
  options.signal.addEventListener("abort", onStop, { once: true });
  let givenUp = false;
  let beating: Promise<void> = Promise.resolve();
  const beat = (): Promise<void> => {
    beating = beating.then(async () => {
      do {
        const body = { events: events.splice(0, BATCH), stored: stored.splice(0, BATCH) };
        try {
          const reply = await json<HeartbeatReply>(RUNNER_PATHS.heartbeat(spec.id), body);
          if (reply.cancel) cancel.abort();
        } catch (error) {
          // The server gave the job up (it took this runner for lost) or forgot it: stop.
          if (error instanceof HttpError && (error.status === 404 || error.status === 409)) {
            givenUp = true;
            cancel.abort();
          }
          return;
        }
      } while (events.length > 0 || stored.length > 0);
    });
    return beating;
  };
  const timer = setInterval(() => void beat(), spec.heartbeatMs);
  const jobData = mkdtempSync(join(options.workDir, "job-"));
  const hostEnv = options.hostEnv ?? hostEnvironment();
  // The runner's copies of cache entries outlive its jobs; a job's own saves go to jobData (uploaded).
  const copies = cacheStoreFor(options.workDir, hostEnv);
  let result: JobResult;
  try {
    const repo = await repositoryWith(options.workDir, spec.sha, async (file) => {
      const response = await call(RUNNER_PATHS.source(spec.id), { method: "POST" });
      if (!response.ok || !response.body) throw new Error(`source: ${response.status}`);
      await pipeline(Readable.fromWeb(response.body as never), createWriteStream(file));
    });
    // The run's artifacts so far, for actions/download-artifact (jobs it needs uploaded them).
    const artifacts = await call(RUNNER_PATHS.artifacts(spec.id), { method: "POST" });
    if (!artifacts.ok || !artifacts.body) throw new Error(`artifacts: ${artifacts.status}`);
    const tar = Readable.fromWeb(artifacts.body as never);
    if (artifacts.headers.get("content-length") === "0") tar.resume();
    else await unpackInto(tar, jobData);
    result = await runRemoteJob(spec, {
      repo,
      workDir: options.workDir,
      dataDir: jobData,
      sharedCache: new ServerCache(copies, cacheStoreFor(jobData, hostEnv), call, spec.id),
      hostEnv,
      emit: (event) => events.push(event),
      storeLogs: (lines) => stored.push(...lines),
      signal: cancel.signal,
    });
  } catch (error) {
    const text = `Error: the runner could not run the job: ${(error as Error).message}`;
    stored.push({ step: "Set up job", text, level: "error" });
    result = {
      id: spec.jobId,
      key: spec.key,
      name: spec.name,
      matrix: spec.matrix,
      conclusion: "failure",
      outputs: {},
      steps: [],
      durationMs: 0,
      reason: (error as Error).message,
    };
    events.push({ type: "job-finished", key: spec.key, result });
  } finally {
    clearInterval(timer);
    options.signal.removeEventListener("abort", onStop);
    // As GitHub's runner does at a job's end ("Cleaning up orphan processes"): what the job's
    // steps left running outside their process groups (a setsid daemon) ends with the job, before
    // the server hears that the job is done.
    killRunProcesses(spec.runId);
  }
  try {
    await beat();
    if (!givenUp) {
      const files = packJobFiles(jobData, uploadedParts(spec.runId));
      if (files) {
        const response = await call(RUNNER_PATHS.files(spec.id), {
          method: "PUT",
          body: Readable.toWeb(files) as ReadableStream,
          headers: { "content-type": "application/gzip" },
          duplex: "half",
        });
        if (!response.ok) say(`runner: uploading files failed: ${response.status} ${await response.text()}`);
      }
      await json(RUNNER_PATHS.finish(spec.id), { result });
    }
  } catch (error) {
    say(`runner: reporting job ${spec.key} failed: ${(error as Error).message}`);
  }
  try {
    await keepSavedEntries(cacheStoreFor(jobData, hostEnv), copies);
  } catch (error) {
    say(`runner: keeping the job's cache entries failed: ${(error as Error).message}`);
  } finally {
    rmSync(jobData, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    // One job at a time per runner: no other job is using a checkout now.
    await pruneSources(options.workDir).catch((error: unknown) =>
      say(`runner: removing old checkouts failed: ${(error as Error).message}`),
    );
  }
  return result;
}

/** The runner's environment for steps, without its own token. */
function hostEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && entry[0] !== "SLIPWAY_RUNNER_TOKEN" && !entry[0].startsWith("SLIPWAY_SECRET_"),
    ),
  );
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
