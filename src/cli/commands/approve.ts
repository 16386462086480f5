import type { Command } from "commander";
import type { Rollout } from "../../core/rollout/types.js";
import { SlipwayError } from "../../core/errors.js";
import type { DeployResult } from "../../rollouts/controller.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { printJson } from "../output.js";

/** The one rollout of `service` (in `environment`, if given) waiting for an approval. */
export function pickAwaiting(rollouts: readonly Rollout[], service: string, environment?: string): Rollout {
  const waiting = rollouts.filter(
    (r) =>
      r.service === service &&
      r.phase === "awaiting-approval" &&
      (!environment || r.environment === environment),
  );
  const where = environment ? `${service}/${environment}` : service;
  if (waiting.length === 0)
    throw new SlipwayError("SLIPWAY_NOT_FOUND", `no rollout of ${where} is waiting for approval`);
  if (waiting.length > 1) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `${waiting.length} rollouts of ${service} wait for approval (${waiting.map((r) => `${r.id} in ${r.environment}`).join(", ")}); name the environment`,
    );
  }
  return waiting[0] as Rollout;
}

export function registerApprove(program: Command): void {
  program
    .command("approve")
    .description("Approve (or --reject) the rollout of a service waiting for approval; never your own deploy")
    .argument("<service>", "service name")
    .argument("[environment]", "environment (needed when several wait)")
    .option("--reject", "reject it instead: the rollout does not start")
    .option("--comment <text>", "shown with your vote in the audit trail")
    .option("--json", "print JSON")
    .action(
      async (
        service: string,
        environment: string | undefined,
        options: { reject?: boolean; comment?: string; json?: boolean },
      ) => {
        const api = new ApiClient(serverUrl());
        const query = new URLSearchParams({ service, limit: "50", ...(environment ? { environment } : {}) });
        const { rollouts } = await api.get<{ rollouts: Rollout[] }>(`/api/rollouts?${query.toString()}`);
        const rollout = pickAwaiting(rollouts, service, environment);
        const result = await api.post<DeployResult>(
          `/api/rollouts/${encodeURIComponent(rollout.id)}/${options.reject ? "reject" : "approve"}`,
          options.comment ? { comment: options.comment } : {},
        );
        if (options.json) printJson(result);
        else process.stdout.write(`${result.message}\n`);
      },
    );
}
