import type { Command } from "commander";
import { describeReason } from "../../affected/affected.js";
import { AffectedInputError, detectAffected, type AffectedReport } from "../../affected/detect.js";
import { SlipwayError } from "../../core/errors.js";
import { printJson, style } from "../output.js";

export function registerAffected(program: Command): void {
  program
    .command("affected")
    .description(
      "Print the services a change touches (slipway.yaml services by path, or npm/pnpm workspaces), with their dependents",
    )
    .option(
      "--base <rev>",
      "revision to compare with (default: merge base with main, or the previous commit on main)",
    )
    .option("--head <rev>", "revision to compare (default: HEAD plus uncommitted and untracked files)")
    .option("--dir <path>", "repository directory", ".")
    .option("--json", "print one JSON document")
    .action(async (options: { base?: string; head?: string; dir: string; json?: boolean }) => {
      let report: AffectedReport;
      try {
        report = await detectAffected({ cwd: options.dir, base: options.base, head: options.head });
      } catch (error) {
        if (error instanceof AffectedInputError)
          throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", error.message);
        throw error;
      }
      if (options.json) printJson(toJson(report));
      else process.stdout.write(render(report));
    });
}

function toJson(report: AffectedReport): unknown {
  return {
    base:
      report.base.kind === "commit"
        ? { sha: report.base.sha, description: report.base.description }
        : { sha: null, description: report.base.why },
    head: report.head,
    all: report.base.kind === "everything" || report.globalChange !== undefined,
    source: report.source,
    changedFiles: report.changedFiles,
    affected: report.affected,
    services: report.services.map((s) => ({
      name: s.name,
      path: s.path,
      affected: s.affected,
      reasons: s.reasons.map(describeReason),
    })),
    unownedFiles: report.unownedFiles,
  };
}

function render(report: AffectedReport): string {
  const lines: string[] = [];
  const head = `${report.head.rev}${report.head.includesWorkingTree ? " + uncommitted and untracked files" : ""}`;
  if (report.base.kind === "commit") {
    lines.push(`base: ${report.base.sha.slice(0, 12)} (${report.base.description})   head: ${head}`);
    lines.push(`changed files: ${report.changedFiles.length}`);
  } else {
    lines.push(style.yellow(`every service counts as changed: ${report.base.why}`));
  }
  if (report.services.length === 0) {
    lines.push(
      "no services found: declare services.<name>.path in slipway.yaml, or workspaces in package.json",
    );
    return `${lines.join("\n")}\n`;
  }
  lines.push(
    `affected services (${report.affected.length} of ${report.services.length}, from ${report.source}):`,
  );
  const width = Math.max(...report.services.map((s) => s.name.length));
  for (const service of report.services.filter((s) => s.affected)) {
    const why = service.reasons.map(describeReason).join("; ");
    lines.push(`  ${style.bold(service.name.padEnd(width))}  ${style.dim(why)}`);
  }
  if (report.affected.length === 0) lines.push("  (none)");
  if (report.unownedFiles.length > 0) {
    lines.push(style.dim(`files outside every service: ${report.unownedFiles.length}`));
  }
  return `${lines.join("\n")}\n`;
}
