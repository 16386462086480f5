import type { Command } from "commander";
import type { StoredEvent } from "../../store/ports/rollout-store.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { wholeNumber } from "../options.js";
import { printJson } from "../output.js";

export function registerHistory(program: Command): void {
  program
    .command("history")
    .description("The audit trail of deployments: who did what, when, and why")
    .option("--service <name>", "only this service")
    .option("--env <environment>", "only this environment")
    .option("--limit <n>", "how many events (1-1000)", wholeNumber(1, 1000), 50)
    .option("--json", "print JSON")
    .action(async (options: { service?: string; env?: string; limit: number; json?: boolean }) => {
      const query = new URLSearchParams({ limit: String(options.limit) });
      if (options.service) query.set("service", options.service);
      if (options.env) query.set("environment", options.env);
      const { events } = await new ApiClient(serverUrl()).get<{ events: StoredEvent[] }>(
        `/api/history?${query.toString()}`,
      );
      if (options.json) return printJson(events);
      for (const e of events) {
        const scope = e.service ? `${e.service}/${e.environment ?? ""}` : "";
        process.stdout.write(
          `${e.at}  ${e.actor.padEnd(10)} ${(e.rolloutId ?? "").padEnd(5)} ${scope.padEnd(18)} ${e.message}${e.reason && !e.message.includes(e.reason) ? ` (${e.reason})` : ""}\n`,
        );
      }
    });
}
