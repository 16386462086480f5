import { join } from "node:path";
import type { Command } from "commander";
import { DEFAULTS } from "../../core/defaults.js";
import { SlipwayError } from "../../core/errors.js";
import { PRE_ID } from "../../core/release/version.js";
import { applyRelease, planRelease, type AppliedRelease, type ReleasePlan } from "../../releases/cut.js";
import { printJson, style } from "../output.js";
import { DATABASE_HELP, projectDatabase, stateUrl, withStore } from "../state.js";

interface ReleaseOptions {
  pre?: string;
  dryRun?: boolean;
  bumpMinorPreMajor?: boolean;
  dir: string;
  database?: string;
  json?: boolean;
}

/**
 * `slipway release [SERVICE]`: the next semver from Conventional Commits, its notes in CHANGELOG.md
 * and the release record, an annotated tag. Not `slipway releases`, which lists recorded builds.
 */
export function registerRelease(program: Command): void {
  program
    .command("release")
    .argument(
      "[service]",
      "release this service's line (tags SERVICE@X.Y.Z); default: the repository's (tags vX.Y.Z)",
    )
    .description(
      "Cut the next version from Conventional Commits: notes into CHANGELOG.md and the release record, annotated git tag (see `releases` to list builds)",
    )
    .option(
      "--pre <id>",
      "make a prerelease X.Y.Z-<id>.N (e.g. rc); without it, the newest rc holding every change is promoted",
    )
    .option(
      "--dry-run",
      "print the version and notes; write nothing (no CHANGELOG, commit, tag, build or record)",
    )
    .option(
      "--bump-minor-pre-major",
      "below 1.0.0, a breaking change bumps the minor (release-please's option)",
    )
    .option("--dir <path>", "a directory inside the repository", ".")
    .option("--database <url>", DATABASE_HELP)
    .option("--json", "print one JSON document")
    .addHelpText(
      "after",
      `
Versions: breaking change (type! or BREAKING CHANGE footer) → major, feat → minor, fix/perf/revert → patch;
other types release nothing. The first version is 1.0.0; below 1.0.0 a breaking change still gives 1.0.0
unless --bump-minor-pre-major. A final version whose newest rc has every change reuses that rc's build.
Exit: 0 released (or nothing to release: "released": false), 1 refused (dirty tree, detached HEAD,
no commits, build failed), 2 invalid input. Docs: docs/releases.md#versions-and-notes`,
    )
    .action(async (service: string | undefined, options: ReleaseOptions) => {
      if (options.pre !== undefined && !PRE_ID.test(options.pre)) {
        throw new SlipwayError(
          "SLIPWAY_INVALID_ARGUMENT",
          `--pre ${JSON.stringify(options.pre)}: expected letters, digits or '-' (e.g. rc, beta)`,
        );
      }
      const plan = planRelease({
        dir: options.dir,
        ...(service !== undefined && { service }),
        ...(options.pre !== undefined && { pre: options.pre }),
        ...(options.bumpMinorPreMajor && { bumpMinorPreMajor: true }),
      });
      let applied: AppliedRelease | undefined;
      if (plan.version.kind !== "nothing" && !options.dryRun) {
        const dataDir = join(plan.root, DEFAULTS.dataDir);
        const url = stateUrl(options.database, projectDatabase(plan.root));
        applied =
          plan.recordService !== undefined
            ? await withStore(url, (store) => applyRelease(plan, { store: store.releases, dataDir }))
            : await applyRelease(plan);
      }
      if (options.json) printJson(toJson(plan, applied, options.dryRun === true));
      else process.stdout.write(render(plan, applied, options.dryRun === true));
    });
}

function toJson(plan: ReleasePlan, applied: AppliedRelease | undefined, dryRun: boolean): unknown {
  const v = plan.version;
  return {
    released: applied !== undefined,
    dryRun,
    service: plan.service ?? null,
    kind: v.kind,
    ...(v.kind === "nothing" ? { reason: v.reason } : { version: v.version, previous: v.previous ?? null }),
    ...(v.kind === "release" && { bump: v.bump }),
    ...(v.kind === "promote" && { promotedFrom: v.from }),
    tag: plan.tag ?? null,
    changelog: plan.changelog ?? null,
    notes: plan.notes ?? null,
    commits: plan.commits,
    ...(dryRun && plan.dirtyFiles.length > 0 && { dirtyFiles: plan.dirtyFiles }),
    ...(applied && { tagged: applied.tagged, release: applied.release ?? null }),
  };
}

function render(plan: ReleasePlan, applied: AppliedRelease | undefined, dryRun: boolean): string {
  const v = plan.version;
  const line = plan.service ?? "repository";
  if (v.kind === "nothing") return `nothing to release for ${line}: ${v.reason}\n`;
  const lines: string[] = [];
  const from = v.previous ?? "(no version yet)";
  const how =
    v.kind === "promote" ? `promote ${v.from}, same build` : `${v.bump}, ${plan.commits.length} commit(s)`;
  lines.push(`${style.bold(line)} ${from} → ${style.green(v.version)}  (${how})`);
  if (dryRun) {
    lines.push(style.yellow("dry run: nothing written"));
    lines.push(`would tag ${plan.tag}${plan.changelog ? ` and prepend the notes to ${plan.changelog}` : ""}`);
    if (plan.dirtyFiles.length > 0) {
      lines.push(
        style.yellow(`uncommitted changes (a real release refuses them): ${plan.dirtyFiles.join(", ")}`),
      );
    }
  } else if (applied) {
    if (applied.changelog) lines.push(`notes prepended to ${applied.changelog} and committed`);
    lines.push(
      `tagged ${applied.tag} at ${applied.tagged.slice(0, 12)} (push it: git push origin ${applied.tag})`,
    );
    const r = applied.release;
    if (r) {
      lines.push(
        `release ${r.service} ${r.version}: ${r.status}${r.digest ? ` ${r.digest.slice(0, 19)}` : ""}${r.promotedFrom ? ` (the build of ${r.promotedFrom})` : ""}`,
      );
    } else {
      lines.push(style.dim("no release record: the line is not a service of slipway.yaml"));
    }
  }
  lines.push("", (plan.notes ?? "").trimEnd());
  return `${lines.join("\n")}\n`;
}
