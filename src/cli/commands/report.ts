import type { Command } from "commander";
import { DELIVERY_MAX_DAYS, DELIVERY_WINDOW_DAYS } from "../../core/delivery/defaults.js";
import type { DeliveryReport, Distribution } from "../../core/delivery/types.js";
import { SlipwayError } from "../../core/errors.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { formatDuration, printJson, style } from "../output.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const pad = (n: number) => String(n).padStart(2, "0");
/** Lead times run to hours and days: "3h12m", "1d02h"; shorter spans as everywhere else ("2m05s"). */
export function formatSpan(ms: number): string {
  if (ms < HOUR) return formatDuration(ms);
  if (ms < DAY) return `${Math.floor(ms / HOUR)}h${pad(Math.floor((ms % HOUR) / 60_000))}m`;
  return `${Math.floor(ms / DAY)}d${pad(Math.floor((ms % DAY) / HOUR))}h`;
}
const ms = (value: number | null): string => (value === null ? "—" : formatSpan(value));
const spread = (d: Distribution): string =>
  d.samples === 0 ? "no samples" : `median ${ms(d.medianMs)}, p90 ${ms(d.p90Ms)} (${d.samples})`;

/** The delivery report for people: one block per environment, the four metrics one line each. */
export function renderReport(report: DeliveryReport): string {
  const lines = [
    `Delivery metrics, last ${report.window.days} days (${report.window.from} → ${report.window.to})`,
  ];
  if (report.environments.length === 0) lines.push("no rollouts in this window");
  for (const env of report.environments) {
    const f = env.deploymentFrequency;
    const l = env.leadTime;
    const c = env.changeFailureRate;
    const t = env.timeToRestore;
    lines.push(
      "",
      style.bold(env.environment) + (env.services.length ? `  (${env.services.join(", ")})` : ""),
    );
    lines.push(
      `  deployment frequency  ${f.deploys} deploys: ${f.perDay.toFixed(2)}/day, ${f.perWeek.toFixed(1)}/week`,
    );
    lines.push(
      `  lead time             ${spread(l)}${l.withoutCommit ? `; ${l.withoutCommit} without a commit time` : ""}`,
    );
    const rate = c.rate === null ? "—" : `${(c.rate * 100).toFixed(1)}%`;
    const parts = [
      c.rolledBack && `${c.rolledBack} rolled back`,
      c.failedOutright && `${c.failedOutright} failed`,
      c.followedByRollback && `${c.followedByRollback} followed by a rollback`,
    ].filter(Boolean);
    lines.push(
      `  change failure rate   ${rate} (${c.failed} of ${c.deploys}${parts.length ? `: ${parts.join(", ")}` : ""})`,
    );
    lines.push(
      `  time to restore       ${spread(t)}${t.unrestored ? `; ${t.unrestored} not restored yet` : ""}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      "Delivery metrics per environment: deploy frequency, lead time, change failure rate, time to restore",
    )
    .option("--environment <name>", "only this environment")
    .option("--env <name>", "same as --environment")
    .option("--days <n>", `window in days, ending now (1-${DELIVERY_MAX_DAYS})`, String(DELIVERY_WINDOW_DAYS))
    .option("--json", "print JSON")
    .action(async (options: { environment?: string; env?: string; days: string; json?: boolean }) => {
      const days = Number(options.days);
      if (!Number.isInteger(days) || days < 1 || days > DELIVERY_MAX_DAYS) {
        throw new SlipwayError(
          "SLIPWAY_INVALID_ARGUMENT",
          `--days must be a whole number from 1 to ${DELIVERY_MAX_DAYS}, got '${options.days}'`,
        );
      }
      const query = new URLSearchParams({ days: String(days) });
      const environment = options.environment ?? options.env;
      if (environment) query.set("environment", environment);
      const report = await new ApiClient(serverUrl()).get<DeliveryReport>(
        `/api/metrics/delivery?${query.toString()}`,
      );
      if (options.json) return printJson(report);
      process.stdout.write(renderReport(report));
    });
}
