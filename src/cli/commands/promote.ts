import type { Command } from "commander";
import { SlipwayError } from "../../core/errors.js";
import type { Rollout } from "../../core/rollout/types.js";
import type { DeployResult } from "../../rollouts/controller.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { printJson } from "../output.js";
import type { StatusReport } from "./status.js";

/**
 * The rollout holding the lock of `service` (in `environment`, or in the only environment where it
 * has one), found through GET /api/status. Throws SLIPWAY_NOT_FOUND or SLIPWAY_INVALID_ARGUMENT
 * saying what to type instead.
 */
export async function runningRollout(
  api: ApiClient,
  service: string,
  environment?: string,
): Promise<Rollout> {
  const status = await api.get<StatusReport>("/api/status");
  const envs = status.environments.filter(
    (e) => e.service === service && (environment === undefined || e.environment === environment),
  );
  const running = envs.flatMap((e) => (e.rollout ? [e.rollout] : []));
  const where = environment ? `${service}/${environment}` : service;
  if (running.length === 0) {
    throw new SlipwayError(
      "SLIPWAY_NOT_FOUND",
      envs.length === 0 ? `${where} has never been deployed` : `no rollout of ${where} is in progress`,
    );
  }
  if (running.length > 1) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `${service} has rollouts in progress in ${running.map((r) => r.environment).join(", ")}: name the environment`,
    );
  }
  return running[0] as Rollout;
}

export function registerPromote(program: Command): void {
  program
    .command("promote")
    .description(
      "Move a rollout on: resume a paused canary or skip its current step; --full sends all traffic to the new version now",
    )
    .argument("<service>", "service name")
    .argument("[environment]", "environment (default: the one where the service has a rollout in progress)")
    .option("--full", "all traffic to the new version now, skipping the remaining steps and analysis")
    .option("--reason <text>", "why, for the audit trail")
    .option("--json", "print JSON")
    .action(
      async (
        service: string,
        environment: string | undefined,
        options: { full?: boolean; reason?: string; json?: boolean },
      ) => {
        const api = new ApiClient(serverUrl());
        const rollout = await runningRollout(api, service, environment);
        const result = await api.post<DeployResult>(
          `/api/rollouts/${encodeURIComponent(rollout.id)}/promote`,
          {
            ...(options.full ? { full: true } : {}),
            ...(options.reason ? { reason: options.reason } : {}),
          },
        );
        if (options.json) printJson(result);
        else process.stdout.write(`rollout ${rollout.id}: ${result.message}\n`);
      },
    );
}
