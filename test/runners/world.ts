/**
 * A control plane on a fresh PostgreSQL database whose workflow jobs run in its own process or go
 * to `slipway runner`s, each in its own network namespace (a host of its own, reaching the server
 * over a veth pair). Shared by the end-to-end test and bench/runners-dispatch.mjs; free of vitest.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { RunView } from "../../src/pipelines/runs/run-view.js";
import { serve, type RunningServer } from "../../src/server/serve.js";
import { createTestDatabase } from "../../src/store/postgres/test-support.js";
import { projectYaml, START_SCRIPT, withoutBaselineTrigger } from "../rollouts/project.js";
import { commitWorkflows } from "../support/workflow-repo.js";
import { createNamespace, removeAllNamespaces, type Namespace } from "../support/netns.js";
import { killGroup, killProjectProcesses } from "../support/processes.js";

/** The CLI (built: `node scripts/build.mjs`); a bundled copy of this module passes its own. */
const DEFAULT_BIN = resolve(import.meta.dirname, "../../bin/slipway.js");

export interface Runner {
  ns: Namespace;
  child: ChildProcess;
  output: () => string;
  workDir: string;
}

export interface RunnersWorld {
  dir: string;
  server: RunningServer;
  runners: Runner[];
  namespaces: Namespace[];
  runnerToken: string;
  api<T>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: T }>;
  /** Polls GET /api/runs/:id until the run completed. */
  waitRun(runId: string, timeoutMs?: number): Promise<RunView>;
  /** SIGKILLs a runner and every process it started (its steps), as a host going down would. */
  killRunner(runner: Runner): void;
  close(): Promise<void>;
}

/** `slipway up` starts the project's proxy (detached), which the control plane needs; its server part stops. */
async function startProxy(dir: string, bin: string): Promise<void> {
  const up = spawn(process.execPath, [bin, "up", "--dir", dir, "--port", "0", "--proxy-port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1" },
  });
  let out = "";
  up.stdout.on("data", (d: Buffer) => (out += d.toString()));
  up.stderr.on("data", (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 600 && !/admin-token/.test(out) && up.exitCode === null; i++) await sleep(50);
  up.kill("SIGTERM");
  await new Promise((ok) => (up.exitCode !== null ? ok(undefined) : up.once("exit", ok)));
  if (!/admin-token/.test(out)) throw new Error(`slipway up did not start: ${out}`);
}

export async function startRunnersWorld(options: {
  /** File name → YAML, committed under .github/workflows. */
  workflows: Record<string, string>;
  /** Runners, one per namespace; 0: jobs run in the server's process (`--runners process`). */
  runners: number;
  /** Labels each runner has besides the defaults (`--label`), by runner. */
  labels?: string[][];
  runnerTimings?: { heartbeatMs?: number; lostAfterMs?: number };
  bin?: string;
}): Promise<RunnersWorld> {
  const bin = options.bin ?? DEFAULT_BIN;
  const dir = mkdtempSync(join(tmpdir(), "slipway-runners-"));
  const cleanups: (() => void | Promise<void>)[] = [
    () => rmSync(dir, { recursive: true, force: true }),
    () => killProjectProcesses(dir),
  ];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse())
      await Promise.resolve(cleanup()).catch(() => undefined);
  };
  try {
    mkdirSync(join(dir, "web"));
    writeFileSync(join(dir, "slipway.yaml"), withoutBaselineTrigger(projectYaml("2s")));
    writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
    writeFileSync(join(dir, "web", "faults.json"), "{}");
    commitWorkflows(dir, options.workflows);
    await startProxy(dir, bin);

    const database = await createTestDatabase("runners");
    cleanups.push(() => database.drop());
    cleanups.push(() => removeAllNamespaces());
    const namespaces = Array.from({ length: options.runners }, () => createNamespace());
    const networked = namespaces.length > 0;
    const server = await serve({
      dir,
      port: 0,
      host: networked ? "0.0.0.0" : "127.0.0.1",
      database: database.url,
      ...(networked ? { runners: "queue" as const } : {}),
      ...(options.runnerTimings ? { runnerTimings: options.runnerTimings } : {}),
      webRoot: dir,
    });
    cleanups.push(() => server.close({ stopInstances: true }));
    const admin = readFileSync(server.adminTokenFile, "utf8").trim();
    const api = async <T>(method: string, path: string, body?: unknown, token = admin) => {
      const response = await fetch(`${server.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { "content-type": "application/json" } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, json: (text ? JSON.parse(text) : null) as T };
    };
    const created = await api<{ token: string }>("POST", "/api/tokens", { name: "runners", scope: "runner" });
    if (created.status !== 201) throw new Error(`runner token: ${JSON.stringify(created)}`);
    const runnerToken = created.json.token;
    const port = Number(new URL(server.apiUrl).port);
    const runners: Runner[] = [];
    for (const [index, ns] of namespaces.entries()) {
      const workDir = mkdtempSync(join(tmpdir(), `slipway-runner-${ns.name}-`));
      const child = spawn(
        "ip",
        [
          "netns",
          "exec",
          ns.name,
          process.execPath,
          bin,
          "runner",
          "--server",
          `http://${ns.host}:${port}`,
          "--work-dir",
          workDir,
          ...(options.labels?.[index] ?? []).flatMap((label) => ["--label", label]),
        ],
        {
          stdio: ["ignore", "pipe", "pipe"],
          detached: true,
          env: { ...process.env, SLIPWAY_RUNNER_TOKEN: runnerToken, NO_COLOR: "1" },
        },
      );
      let out = "";
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
      runners.push({ ns, child, output: () => out, workDir });
      cleanups.push(() => {
        killGroup(child.pid);
        rmSync(workDir, { recursive: true, force: true });
      });
    }
    return {
      dir,
      server,
      runners,
      namespaces,
      runnerToken,
      api,
      async waitRun(runId, timeoutMs = 90_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const { json } = await api<{ run: RunView }>("GET", `/api/runs/${runId}`);
          if (json.run.status === "completed") return json.run;
          if (Date.now() > deadline)
            throw new Error(`run ${runId} did not finish: ${JSON.stringify(json.run.jobs)}`);
          await sleep(100);
        }
      },
      killRunner: (runner) => killGroup(runner.child.pid),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
