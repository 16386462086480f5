import type { Command } from "commander";
import { setTimeout as sleep } from "node:timers/promises";
import { isDeciding, type Rollout } from "../../core/rollout/types.js";
import { EXIT } from "../../core/errors.js";
import type { DeployResult } from "../../rollouts/controller.js";
import type { StoredEvent } from "../../store/ports/rollout-store.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { formatDuration, printJson, style } from "../output.js";

/** Polls a rollout until it is decided, printing its audit events as they come. */
export async function waitForDecision(api: ApiClient, id: string, print = true): Promise<Rollout> {
  const started = Date.now();
  let seen = 0;
  for (;;) {
    const { rollout, events } = await api.get<{ rollout: Rollout; events: StoredEvent[] }>(
      `/api/rollouts/${id}`,
    );
    for (const e of events.slice(seen)) {
      if (print)
        process.stdout.write(
          `  ${style.dim(formatDuration(Date.now() - started).padStart(6))}  ${e.message}\n`,
        );
    }
    seen = events.length;
    if (!isDeciding(rollout.phase)) return rollout;
    await sleep(200);
  }
}

export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description("Roll a version of a service out to an environment (its strategy: blue-green or canary)")
    .argument("<service>", "service name from slipway.yaml")
    .requiredOption("--env <environment>", "target environment")
    .requiredOption("--version <version>", "version to deploy (a tag or commit)")
    .option("--ref <ref>", "git ref to build the release from (default: the version)")
    .option("--reason <text>", "why, for the audit trail")
    .option("--wait", "wait until the rollout is promoted or rolled back; exit 1 unless promoted")
    .option("--json", "print JSON")
    .action(
      async (
        service: string,
        options: {
          env: string;
          version: string;
          ref?: string;
          reason?: string;
          wait?: boolean;
          json?: boolean;
        },
      ) => {
        const api = new ApiClient(serverUrl());
        const result = await api.post<DeployResult>("/api/deployments", {
          service,
          environment: options.env,
          version: options.version,
          actor: process.env.USER ?? "cli",
          ...(options.ref ? { ref: options.ref } : {}),
          ...(options.reason ? { reason: options.reason } : {}),
        });
        if (!options.json) process.stdout.write(`${result.message}\n`);
        if (!options.wait || !result.rollout) {
          if (options.json) printJson(result);
          return;
        }
        const final = await waitForDecision(api, result.rollout.id, !options.json);
        if (options.json) printJson(final);
        else {
          const ok = final.outcome === "promoted";
          process.stdout.write(
            `${ok ? style.green("promoted") : style.red(final.outcome ?? final.phase)} ${final.candidate.version}${final.reason && !ok ? `: ${final.reason}` : ""}\n`,
          );
        }
        if (final.outcome !== "promoted") process.exitCode = EXIT.failed;
      },
    );
}
