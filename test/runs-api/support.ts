/**
 * A real control plane for the hooks' end-to-end tests: the rollouts world (real proxy process,
 * runtime, SQLite, controller) behind the real HTTP API, with the project made a git repository
 * holding workflows, and the hooks attached with a chosen environment (webhook secret, secrets).
 */
import { commitWorkflows } from "../support/workflow-repo.js";
import { setTimeout as sleep } from "node:timers/promises";
import { attachRunsAndNotifier, type RunsAndNotifierOptions } from "../../src/server/runs-and-notifier.js";
import type { RunView } from "../../src/pipelines/runs/run-view.js";
import { startApi, type ApiHarness } from "../api/support.js";
import { projectYaml, startWorld, withoutBaselineTrigger, type World } from "../rollouts/world.js";

export interface HooksWorld {
  world: World;
  api: ApiHarness;
  /** An admin token (may do everything). */
  token: string;
  /** HEAD of the project repository. */
  sha: string;
  /** Polls GET /api/runs/:id until the run completed. */
  waitRun(runId: string, timeoutMs?: number): Promise<RunView>;
  close(): Promise<void>;
}

/**
 * Starts the world with `extraYaml` under environments.production (and after it), commits
 * `workflows` (file name → YAML) on branch main, and attaches the hooks with `env`.
 */
export async function startHooksWorld(options: {
  workflows: Record<string, string>;
  extraYaml?: string;
  env?: Record<string, string>;
  notifier?: RunsAndNotifierOptions["notifier"];
}): Promise<HooksWorld> {
  const world = await startWorld({}, withoutBaselineTrigger(projectYaml("1s", options.extraYaml ?? "")));
  let api: ApiHarness | undefined;
  try {
    const sha = commitWorkflows(world.dir, options.workflows);
    api = await startApi(world, { limiter: false });
    attachRunsAndNotifier(api.app, {
      env: options.env ?? {},
      ...(options.notifier ? { notifier: options.notifier } : {}),
    });
    const { token } = await api.token("admin", "admin");
    const harness: HooksWorld = {
      world,
      api,
      token,
      sha,
      async waitRun(runId, timeoutMs = 45_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const { json } = await harness.api.call<{ run: RunView }>("GET", `/api/runs/${runId}`, { token });
          if (json.run?.status === "completed") return json.run;
          if (Date.now() > deadline) throw new Error(`run ${runId} still ${JSON.stringify(json)}`);
          await sleep(100);
        }
      },
      async close() {
        await harness.api.close();
        await world.close();
      },
    };
    return harness;
  } catch (error) {
    await api?.close();
    await world.close();
    throw error;
  }
}
