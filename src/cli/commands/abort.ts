import type { Command } from "commander";
import type { DeployResult } from "../../rollouts/controller.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { printJson } from "../output.js";
import { runningRollout } from "./promote.js";

export function registerAbort(program: Command): void {
  program
    .command("abort")
    .description("Stop a rollout in progress: all traffic back to the stable version at once")
    .argument("<service>", "service name")
    .argument("[environment]", "environment (default: the one where the service has a rollout in progress)")
    .requiredOption("--reason <text>", "why (recorded in the audit trail)")
    .option("--json", "print JSON")
    .action(
      async (
        service: string,
        environment: string | undefined,
        options: { reason: string; json?: boolean },
      ) => {
        const api = new ApiClient(serverUrl());
        const rollout = await runningRollout(api, service, environment);
        const result = await api.post<DeployResult>(`/api/rollouts/${encodeURIComponent(rollout.id)}/abort`, {
          reason: options.reason,
        });
        if (options.json) printJson(result);
        else process.stdout.write(`rollout ${rollout.id}: ${result.message}\n`);
      },
    );
}
