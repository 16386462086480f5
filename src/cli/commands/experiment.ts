import type { Command } from "commander";
import { SlipwayError } from "../../core/errors.js";
import type { ExperimentReport, MetricResults } from "../../experiments/service.js";
import type { ExperimentMetric, StoredExperiment } from "../../store/ports/experiment-store.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { printJson, style } from "../output.js";

const collect = (value: string, previous: string[]) => [...previous, value];

/** `purchase`, `revenue:value`, `latency:value:decrease` → a metric. */
export function parseMetric(text: string): ExperimentMetric {
  const [event, kind = "conversion", direction = "increase"] = text.split(":");
  if (
    !event ||
    (kind !== "conversion" && kind !== "value") ||
    (direction !== "increase" && direction !== "decrease")
  ) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `--metric expects EVENT[:conversion|value[:increase|decrease]] (e.g. purchase, revenue:value, latency:value:decrease), got "${text}"`,
    );
  }
  return { event, kind, direction };
}

/** `on=50` pairs → an allocation. */
export function parseAllocation(pairs: readonly string[]): Record<string, number> | undefined {
  if (pairs.length === 0) return undefined;
  const allocation: Record<string, number> = {};
  for (const pair of pairs) {
    const [variant, weight] = pair.split("=");
    const n = Number(weight);
    if (!variant || weight === undefined || !(n >= 0)) {
      throw new SlipwayError(
        "SLIPWAY_INVALID_ARGUMENT",
        `--weight expects VARIANT=WEIGHT (e.g. on=50), got "${pair}"`,
      );
    }
    allocation[variant] = n;
  }
  return allocation;
}

const pct = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? "-" : `${(x * 100).toFixed(1)} %`;
const num = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "-");

/** One metric's table: what the dashboard shows, as text. */
export function formatMetric(result: MetricResults): string {
  const m = result.metric;
  const lines = [
    `${style.bold(m.event)} (${m.kind}, ${m.direction === "increase" ? "higher" : "lower"} is better)`,
  ];
  lines.push(
    "  variant        exposures  conv.   " +
      (m.kind === "conversion" ? "rate   " : "mean   ") +
      "  lift [95 % CI]                 always-valid          verdict",
  );
  result.variants.forEach((v, i) => {
    const value = m.kind === "conversion" ? pct(v.value) : num(v.value);
    const lift = v.lift
      ? `${pct(v.lift.estimate)} [${pct(v.lift.interval.lower)}, ${pct(v.lift.interval.upper)}]`
      : "";
    const av = v.alwaysValid ? `[${pct(v.alwaysValid.lower)}, ${pct(v.alwaysValid.upper)}]` : "";
    lines.push(
      `  ${v.variant.padEnd(14)} ${String(v.exposures).padStart(9)}  ${String(result.converted[i] ?? 0).padStart(5)}  ${value.padStart(7)}  ${lift.padEnd(30)} ${av.padEnd(21)} ${v.verdict}`,
    );
  });
  const srm = `sample ratio p = ${result.sampleRatio.pValue.toPrecision(3)}`;
  lines.push(
    result.trustworthy
      ? `  ${srm}; ${result.winner ? style.green(`winner: ${result.winner}`) : "no winner yet"}`
      : style.red(
          `  ${srm} < 0.001: sample-ratio mismatch, results untrustworthy (check assignment and logging)`,
        ),
  );
  return lines.join("\n");
}

const line = (e: StoredExperiment) =>
  `${e.key.padEnd(24)} ${e.status.padEnd(8)} flag ${e.flagKey}  ${Object.entries(e.allocation)
    .map(([v, w]) => `${v}=${w}`)
    .join(" ")}  metrics ${e.metrics.map((m) => m.event).join(", ")}`;

/** `slipway experiment create|list|show|start|stop|ship`: experiments on flags over the API. */
export function registerExperiment(program: Command): void {
  const experiment = program
    .command("experiment")
    .description(
      "A/B experiments on a flag's variants: create, list, show results, start, stop, ship a variant",
    );

  experiment
    .command("create")
    .description(
      "Create a draft experiment on a flag (its variants, weights from its fractional split unless --weight)",
    )
    .argument("<key>", "the experiment's name, e.g. checkout-ab")
    .requiredOption("--flag <key>", "the flag whose variants are compared")
    .requiredOption(
      "--metric <event[:kind[:direction]]>",
      "metric, repeatable; the first is primary (purchase, revenue:value, latency:value:decrease)",
      collect,
      [],
    )
    .option("--weight <variant=weight>", "expected allocation per variant (repeatable)", collect, [])
    .option("--control <variant>", "the baseline (default: the flag's default variant)")
    .option("--description <text>", "the hypothesis")
    .requiredOption("--reason <text>", "why (recorded in the audit trail)")
    .option("--json", "print JSON")
    .action(
      async (
        key: string,
        o: {
          flag: string;
          metric: string[];
          weight: string[];
          control?: string;
          description?: string;
          reason: string;
          json?: boolean;
        },
      ) => {
        const allocation = parseAllocation(o.weight);
        const { experiment: created } = await new ApiClient(serverUrl()).post<{
          experiment: StoredExperiment;
        }>("/api/experiments", {
          key,
          flag: o.flag,
          metrics: o.metric.map(parseMetric),
          reason: o.reason,
          ...(allocation && { allocation }),
          ...(o.control && { control: o.control }),
          ...(o.description && { description: o.description }),
        });
        if (o.json) return printJson(created);
        process.stdout.write(
          `${style.green("created")} ${line(created)}\n  start it: slipway experiment start ${key} --reason …\n`,
        );
      },
    );

  experiment
    .command("list")
    .description("Every experiment, newest first")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const { experiments } = await new ApiClient(serverUrl()).get<{ experiments: StoredExperiment[] }>(
        "/api/experiments",
      );
      if (o.json) return printJson(experiments);
      process.stdout.write(
        experiments.length === 0 ? "no experiments\n" : `${experiments.map(line).join("\n")}\n`,
      );
    });

  experiment
    .command("show")
    .description(
      "An experiment's results: per variant exposures, conversions, rate or mean, lift with 95 % and always-valid intervals, SRM check",
    )
    .argument("<key>")
    .option("--json", "print JSON")
    .action(async (key: string, o: { json?: boolean }) => {
      const report = await new ApiClient(serverUrl()).get<ExperimentReport>(
        `/api/experiments/${encodeURIComponent(key)}/results`,
      );
      if (o.json) return printJson(report);
      const e = report.experiment;
      process.stdout.write(
        [
          `${style.bold(e.key)}  ${e.status}${e.shippedVariant ? ` (${e.shippedVariant} shipped)` : ""}  flag ${e.flagKey}, control ${e.control}`,
          e.description,
          ...report.metrics.map(formatMetric),
          "",
        ]
          .filter((l) => l !== "")
          .join("\n\n") + "\n",
      );
    });

  for (const action of ["start", "stop"] as const) {
    experiment
      .command(action)
      .description(
        action === "start" ? "Start a draft experiment (audited)" : "Stop a running experiment (audited)",
      )
      .argument("<key>")
      .requiredOption("--reason <text>", "why (recorded in the audit trail)")
      .action(async (key: string, o: { reason: string }) => {
        const { experiment: changed } = await new ApiClient(serverUrl()).post<{
          experiment: StoredExperiment;
        }>(`/api/experiments/${encodeURIComponent(key)}/${action}`, { reason: o.reason });
        process.stdout.write(`${style.green(changed.status)} ${changed.key}\n`);
      });
  }

  experiment
    .command("ship")
    .description(
      "Ship a variant: the flag serves it to everyone and the experiment ends (audited, also as a flag change)",
    )
    .argument("<key>")
    .argument("<variant>")
    .requiredOption("--reason <text>", "why (recorded in the audit trail)")
    .action(async (key: string, variant: string, o: { reason: string }) => {
      const { experiment: changed } = await new ApiClient(serverUrl()).post<{ experiment: StoredExperiment }>(
        `/api/experiments/${encodeURIComponent(key)}/ship`,
        { variant, reason: o.reason },
      );
      process.stdout.write(
        `${style.green("shipped")} ${variant} of ${changed.key}: flag ${changed.flagKey} now serves it to everyone\n`,
      );
    });
}
