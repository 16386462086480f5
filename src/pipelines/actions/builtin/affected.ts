import { resolve } from "node:path";
import { describeReason } from "../../../affected/affected.js";
import { detectAffected } from "../../../affected/detect.js";
import type { ActionContext, BuiltinAction } from "../contract.js";
import { stringInput } from "./inputs.js";

/**
 * `slipway/affected`: `slipway affected` run in the runner's own process, on the job's checkout —
 * the same detection (docs/affected.md) without starting a shell and a Node process for it.
 * Outputs: `affected` (JSON array of names, for `matrix: ${{ fromJSON(…) }}`), `count`, `all`.
 */
export const affectedAction: BuiltinAction = {
  name: "slipway/affected",
  inputs: {
    base: {
      description:
        "Revision to compare with; default the merge base with main, or the previous commit on main",
    },
    head: { description: "Revision to compare", default: "HEAD" },
    "working-directory": { description: "The repository (any directory inside it); default the workspace" },
  },
  run: runAffected,
};

async function runAffected(context: ActionContext): Promise<void> {
  const cwd = resolve(context.workspace, stringInput(context, "working-directory", "."));
  const base = stringInput(context, "base") || undefined;
  const report = await detectAffected({ cwd, base, head: stringInput(context, "head", "HEAD") });
  if (report.base.kind === "commit") {
    context.log(
      `Changes against ${report.base.description} (${report.base.sha.slice(0, 12)}): ${report.changedFiles.length} file(s)`,
    );
  } else {
    context.warning(`affected: every service counts as changed: ${report.base.why}`);
  }
  context.log(
    `affected services (${report.affected.length} of ${report.services.length}, from ${report.source}):`,
  );
  for (const service of report.services.filter((s) => s.affected)) {
    context.log(`  ${service.name}  ${service.reasons.map(describeReason).join("; ")}`);
  }
  context.setOutput("affected", JSON.stringify(report.affected));
  context.setOutput("count", String(report.affected.length));
  context.setOutput("all", String(report.base.kind === "everything" || report.globalChange !== undefined));
}
