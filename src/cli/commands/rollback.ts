import type { Command } from "commander";
import type { DeployResult } from "../../rollouts/controller.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { printJson } from "../output.js";
import { waitForDecision } from "./deploy.js";

export function registerRollback(program: Command): void {
  program
    .command("rollback")
    .description(
      "Switch an environment back to the previous version: instantly while it is warm, otherwise by redeploying its release",
    )
    .argument("<service>", "service name")
    .requiredOption("--env <environment>", "environment")
    .requiredOption("--reason <text>", "why (recorded in the audit trail)")
    .option("--to <version>", "version to return to (default: the previous one)")
    .option("--wait", "wait until a redeploying rollback is done")
    .option("--json", "print JSON")
    .action(
      async (
        service: string,
        options: { env: string; reason: string; to?: string; wait?: boolean; json?: boolean },
      ) => {
        const api = new ApiClient(serverUrl());
        const result = await api.post<DeployResult>("/api/rollbacks", {
          service,
          environment: options.env,
          reason: options.reason,
          actor: process.env.USER ?? "cli",
          ...(options.to ? { to: options.to } : {}),
        });
        if (options.json) printJson(result);
        else process.stdout.write(`${result.message}\n`);
        if (options.wait && result.rollout?.kind === "rollback")
          await waitForDecision(api, result.rollout.id, !options.json);
      },
    );
}
