import type { Command } from "commander";
import type { RolloutController } from "../../rollouts/controller.js";
import type { ServerInfo } from "../../server/http-api.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { printJson, style } from "../output.js";

export type StatusReport = ServerInfo & { environments: ReturnType<RolloutController["status"]> };

export function renderStatus(status: StatusReport): string {
  const lines = [`API ${status.apiUrl}   traffic ${status.proxyUrl}`];
  if (status.environments.length === 0) lines.push("nothing deployed yet");
  for (const env of status.environments) {
    lines.push(`${style.bold(`${env.service}/${env.environment}`)}  live: ${env.live ?? "none"}`);
    for (const r of env.revisions) {
      const states = r.instances.map((i) => `${i.state}:${i.port}`).join(" ") || "no instances";
      lines.push(`  ${r.version.padEnd(14)} weight ${String(r.weight).padStart(3)}  ${states}`);
    }
    const r = env.rollout ?? env.lastRollout;
    if (r) {
      lines.push(
        `  rollout ${r.id} ${r.kind} ${r.candidate.version}: ${r.phase}${r.outcome && r.outcome !== r.phase ? ` (→ ${r.outcome})` : ""}${r.reason ? ` — ${r.reason}` : ""}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("What each environment serves, its instances, and the rollout in progress")
    .option("--json", "print JSON (includes the API and traffic URLs)")
    .action(async (options: { json?: boolean }) => {
      const status = await new ApiClient(serverUrl()).get<StatusReport>("/api/status");
      if (options.json) printJson(status);
      else process.stdout.write(renderStatus(status));
    });
}
