// A warm `slipway up` for the pipelines benchmarks: runs started through its API as a push
// webhook or the dashboard starts them, timed from the request to the run's completion on the
// live event stream (GET /api/events), with the server's CPU time (its own and its waited-for
// children's: git, the steps' shells and what they start) read from /proc.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";

const TICK_MS = 1000 / 100; // /proc/<pid>/stat counts in clock ticks (USER_HZ, 100 on Linux)

/** utime + stime + cutime + cstime of a process, in ms. */
function ownCpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime..cstime are fields 14..17.
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) * TICK_MS;
}

/**
 * The server's CPU time with its fork server's (the helper that starts the runs' git processes
 * lives as long as the server, so what it and its children use is never added to the server's
 * own children's time).
 */
function cpuOf(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  } catch {
    // no children file (older kernels): the server alone
  }
  const helpers = children.filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, "utf8").startsWith("slipway fork-server");
    } catch {
      return false;
    }
  });
  return helpers.reduce((sum, helper) => sum + ownCpuOf(helper), ownCpuOf(pid));
}

/**
 * Starts `slipway up` for the project at `projectDir` (its slipway.yaml; the repository is the git
 * repository around it) on free ports and waits until its API listens. `settled`: resolves once
 * the work a run leaves behind is done, before its CPU time is read.
 */
export async function startSlipwayServer({
  cli,
  projectDir,
  env,
  timeoutMs = 60_000,
  settled = async () => {},
}) {
  const child = spawn(
    process.execPath,
    [cli, "up", "--dir", projectDir, "--port", "0", "--proxy-port", "0"],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const apiUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`slipway up: no API after ${timeoutMs} ms\n${stderr}`)),
      timeoutMs,
    );
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        try {
          const record = JSON.parse(line);
          if (record.msg === "slipway server listening") {
            clearTimeout(timer);
            resolve(record.apiUrl);
          }
        } catch {
          // not a log record
        }
      }
    });
    child.on("exit", (code) => reject(new Error(`slipway up exited ${code}\n${stderr}`)));
  });
  const token = readFileSync(join(projectDir, ".slipway", "admin-token"), "utf8").trim();
  const headers = { authorization: `Bearer ${token}` };

  // One event stream for the session: a run's completion resolves its waiter.
  const waiters = new Map();
  const finished = new Map();
  const events = await new Promise((resolve, reject) => {
    const request = http.get(`${apiUrl}/api/events`, { headers }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`GET /api/events: ${response.statusCode}`));
      let buffered = "";
      response.on("data", (chunk) => {
        buffered += chunk;
        for (let i = buffered.indexOf("\n\n"); i >= 0; i = buffered.indexOf("\n\n")) {
          const data = buffered
            .slice(0, i)
            .split("\n")
            .find((line) => line.startsWith("data: "));
          buffered = buffered.slice(i + 2);
          if (!data) continue;
          const change = JSON.parse(data.slice("data: ".length));
          if (change.kind !== "run" || change.run?.status !== "completed") continue;
          const waiter = waiters.get(change.run.runId);
          if (waiter) waiter(change.run);
          else finished.set(change.run.runId, change.run);
        }
      });
      resolve(request);
    });
    request.on("error", reject);
  });

  return {
    apiUrl,
    /** Starts `workflow` on `event` through POST /api/runs; resolves when the run has completed. */
    async run(workflow, event) {
      const cpuBefore = cpuOf(child.pid);
      const started = process.hrtime.bigint();
      const response = await fetch(`${apiUrl}/api/runs`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ workflow, event }),
      });
      const body = await response.json();
      if (response.status !== 202)
        throw new Error(`POST /api/runs: ${response.status} ${JSON.stringify(body)}`);
      const runId = body.run.runId;
      const run = await new Promise((resolve) => {
        if (finished.has(runId)) resolve(finished.get(runId));
        else waiters.set(runId, resolve);
      });
      waiters.delete(runId);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The work a run leaves for after its end (cleaning the worktrees it kept) is the run's CPU too.
      await settled();
      return { ms, cpuMs: cpuOf(child.pid) - cpuBefore, run };
    },
    async close() {
      events.destroy();
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      // The proxy and the services outlive `slipway up` by design: `slipway down` stops them.
      execFileSync(process.execPath, [cli, "down", "--dir", projectDir], { env, stdio: "ignore" });
    },
  };
}
