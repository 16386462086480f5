import type { Command } from "commander";
import { describeStep } from "../../core/rollout/format.js";
import type { RolloutProgress } from "../../core/rollout/progress.js";
import { isFinal, type AnalysisRecord, type Rollout } from "../../core/rollout/types.js";
import type { RolloutController } from "../../rollouts/controller.js";
import type { ServerInfo } from "../../server/http-api.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { isSlipwayError, SlipwayError } from "../../core/errors.js";
import { printJson, style } from "../output.js";

export type StatusReport = ServerInfo & { environments: Awaited<ReturnType<RolloutController["status"]>> };

export function renderStatus(status: StatusReport): string {
  const lines = [
    `API ${status.apiUrl}   traffic ${status.proxyUrl} (${status.dataPlane ?? "builtin"} data plane)`,
  ];
  if (status.environments.length === 0) lines.push("nothing deployed yet");
  for (const env of status.environments) {
    lines.push(`${style.bold(`${env.service}/${env.environment}`)}  live: ${env.live ?? "none"}`);
    // Said first: a revision at weight 100 is not "live" for anyone while nothing serves it.
    const serving = env.serving;
    if (serving.status !== "ok") {
      const label = serving.status === "down" ? style.red("DOWN") : style.yellow("degraded");
      for (const problem of serving.problems) lines.push(`  ${label}: ${problem}`);
    }
    for (const h of env.dataPlanes) lines.push(`  ${dataPlaneLine(h)}`);
    for (const r of env.revisions) {
      const states = r.instances.map((i) => `${i.state}:${i.port}`).join(" ") || "no instances";
      const ready = r.instances.filter((i) => i.state === "ready").length;
      const count = r.replicas === null ? "" : ` ${ready}/${r.replicas} ready `;
      lines.push(`  ${r.version.padEnd(14)} weight ${String(r.weight).padStart(3)} ${count} ${states}`);
    }
    const r = env.rollout ?? env.lastRollout;
    if (r) {
      lines.push(
        `  rollout ${r.id} ${r.kind} ${r.candidate.version}: ${r.phase}${r.outcome && r.outcome !== r.phase ? ` (→ ${r.outcome})` : ""}${r.reason ? ` — ${r.reason}` : ""}`,
      );
      lines.push(...rolloutDetails(r, env.progress ?? undefined));
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The lines under a rollout: a canary's step and weight, why it is paused, an approval it waits for,
 * and each metric's latest verdict in its own one-line words.
 */
export function rolloutDetails(r: Rollout, progress?: RolloutProgress): string[] {
  const lines: string[] = [];
  // A decided rollout shows its outcome (the line above) and cleanup, never its last step's line.
  const decided = r.outcome !== undefined || isFinal(r.phase);
  if (progress && !isFinal(r.phase)) {
    const requested =
      r.phase === "awaiting-approval" && r.approval ? `; requested by ${r.approval.requestedBy}` : "";
    lines.push(`    now: ${progress.text}${requested}`);
  } else if (r.phase === "awaiting-approval" && r.approval) {
    const who = r.approval.approvers.length ? ` by ${r.approval.approvers.join(" or ")}` : "";
    lines.push(
      `    waiting for approval${who} (requested by ${r.approval.requestedBy}, expires ${new Date(r.approval.expiresAt).toISOString()})`,
    );
  }
  const c = r.canary;
  if (r.strategy === "canary" && c && c.steps.length > 0 && !decided) {
    const i = Math.min(c.stepIndex, c.steps.length - 1);
    const current = c.steps[i]!;
    // Paused just before a weight step: it is shown, but the weight is still the previous one.
    const pending =
      c.stepIndex < c.steps.length && current.kind === "setWeight" && current.weight !== c.weight
        ? ", not applied yet"
        : "";
    const step = c.stepIndex >= c.steps.length ? "all steps done" : `${describeStep(current)}${pending}`;
    lines.push(
      `    canary step ${Math.min(c.stepIndex + 1, c.steps.length)}/${c.steps.length} (${step}), weight ${c.weight}%`,
    );
    if (r.phase === "paused" && c.paused) lines.push(`    ${style.yellow("paused")}: ${c.paused.reason}`);
  }
  for (const record of latestRecords(r.analysis ?? [])) {
    const what = record.step === undefined ? "background analysis" : `step ${record.step + 1} analysis`;
    const waiting = record.metrics.some(
      (m) => !m.dryRun && m.state.phase === "running" && m.state.waitingSince !== undefined,
    );
    const state = record.outcome
      ? `${record.outcome.decision}`
      : waiting
        ? "running, waiting for data"
        : "running";
    lines.push(`    ${what} (${state}):`);
    for (const m of record.metrics) {
      const last = m.state.measurements.at(-1);
      const text = last?.explanation ?? m.state.message;
      lines.push(`      ${m.dryRun ? style.dim(`${text} (dry run)`) : text}`);
    }
  }
  return lines;
}

/** One data-plane host: its name, the generation it holds, and why it is behind. */
function dataPlaneLine(h: StatusReport["environments"][number]["dataPlanes"][number]): string {
  const label =
    h.health === "in-sync"
      ? style.green("in sync")
      : h.health === "behind"
        ? style.yellow("behind")
        : style.red("unreachable");
  const held = h.generation === null ? "no table yet" : `generation ${h.generation}`;
  const want =
    h.health === "in-sync" || h.desiredGeneration === null ? "" : ` (wants ${h.desiredGeneration})`;
  return `data plane ${h.name} ${h.admin}: ${label}, ${held}${want}${h.error ? ` — ${h.error}` : ""}`;
}

/** The newest background record and the newest step record. */
function latestRecords(analysis: readonly AnalysisRecord[]): AnalysisRecord[] {
  const background = analysis.filter((a) => a.step === undefined).at(-1);
  const step = analysis.filter((a) => a.step !== undefined).at(-1);
  return [step, background].filter((a): a is AnalysisRecord => a !== undefined);
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("What each environment serves, its instances, and the rollout in progress")
    .option("--json", "print JSON (includes the API and traffic URLs)")
    .action(showStatus);
}

/** `slipway status [--json]` (started without commander by main.ts when that is the whole command line). */
export async function showStatus(options: { json?: boolean }): Promise<void> {
  let status: StatusReport;
  try {
    status = await new ApiClient(serverUrl()).get<StatusReport>("/api/status");
  } catch (error) {
    if (!(isSlipwayError(error) && error.code === "SLIPWAY_STORE_UNAVAILABLE")) throw error;
    // The control plane answered: only its database is down. Say what still works.
    throw new SlipwayError(
      "SLIPWAY_STORE_UNAVAILABLE",
      `database down: ${error.message}. The proxy keeps serving the traffic as last set; ` +
        "rollouts wait and resume when the database answers (GET /api/health says when)",
    );
  }
  if (options.json) printJson(status);
  else process.stdout.write(renderStatus(status));
}
