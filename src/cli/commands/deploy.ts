import type { Command } from "commander";
import { setTimeout as sleep } from "node:timers/promises";
import type { RolloutProgress } from "../../core/rollout/progress.js";
import { isDeciding, type Rollout } from "../../core/rollout/types.js";
import { EXIT, SlipwayError } from "../../core/errors.js";
import type { DeployResult } from "../../rollouts/controller.js";
import type { StoredEvent } from "../../store/ports/rollout-store.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { formatDuration, printJson, style } from "../output.js";

/**
 * Polls a rollout until it is decided, printing its audit events as they come and where it is
 * (its progress: step, what it waits for, time left). On a terminal the progress is one line
 * rewritten in place; otherwise a plain line is printed whenever it changes other than its
 * countdown (a line a second would drown the events in a log).
 */
export async function waitForDecision(api: ApiClient, id: string, print = true): Promise<Rollout> {
  const started = Date.now();
  const tty = process.stdout.isTTY === true;
  const out = (text: string) => {
    if (print) process.stdout.write(text);
  };
  const at = () => style.dim(formatDuration(Date.now() - started).padStart(6));
  let seen = 0;
  let shown: string | undefined;
  let live = false;
  const clearLive = () => {
    if (live) out("\r\x1b[2K");
    live = false;
  };
  for (;;) {
    const { rollout, progress, events } = await api.get<{
      rollout: Rollout;
      progress?: RolloutProgress;
      events: StoredEvent[];
    }>(`/api/rollouts/${id}`);
    for (const e of events.slice(seen)) {
      clearLive();
      out(`  ${at()}  ${e.message}\n`);
    }
    seen = events.length;
    if (!isDeciding(rollout.phase)) {
      clearLive();
      return rollout;
    }
    if (progress) {
      const key = `${progress.doing}|${progress.step}|${progress.waitingFor}`;
      if (tty) {
        clearLive();
        out(`  ${at()}  ${progress.text}`);
        live = true;
      } else if (key !== shown) {
        out(`  ${at()}  ${progress.text}\n`);
      }
      shown = key;
    }
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
    .option(
      "--override-policy",
      "admins: deploy although the environment's release policy refuses it (needs --reason)",
    )
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
          overridePolicy?: boolean;
          wait?: boolean;
          json?: boolean;
        },
      ) => {
        if (options.overridePolicy && !options.reason)
          throw new SlipwayError(
            "SLIPWAY_INVALID_ARGUMENT",
            '--override-policy needs --reason "why" (it is audited)',
          );
        const api = new ApiClient(serverUrl());
        const result = await api.post<DeployResult>("/api/deployments", {
          service,
          environment: options.env,
          version: options.version,
          actor: process.env.USER ?? "cli",
          ...(options.ref ? { ref: options.ref } : {}),
          ...(options.reason ? { reason: options.reason } : {}),
          ...(options.overridePolicy && options.reason ? { policyOverride: { reason: options.reason } } : {}),
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
