import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import type { Command } from "commander";
import { printJson, style } from "../output.js";
import { DATABASE_HELP, projectDatabase, stateUrl, withStore } from "../state.js";
import type { Release } from "../../core/release/types.js";

/** `slipway releases [SERVICE]`: the recorded releases, newest first, read from the project's Store. */
export function registerReleases(program: Command): void {
  program
    .command("releases")
    .argument("[service]", "only this service's releases")
    .description(
      "List recorded release builds (version, status, commit, digest, build log); `release` cuts a new version",
    )
    .option("--dir <path>", "project directory", ".")
    .option("--database <url>", DATABASE_HELP)
    .option("--json", "print one JSON document")
    .action(
      async (service: string | undefined, options: { dir: string; database?: string; json?: boolean }) => {
        const url = stateUrl(options.database, projectDatabase(options.dir));
        // A read-only command must not create a SQLite file where there is none.
        let releases: Release[] = [];
        if (isAbsolute(url) ? existsSync(url) : true) {
          releases = await withStore(url, (store) => store.releases.listReleases(service));
        }
        if (options.json) printJson({ releases });
        else process.stdout.write(render(releases));
      },
    );
}

function render(releases: Release[]): string {
  if (releases.length === 0) return "no releases yet\n";
  return releases
    .map((r) => {
      const status =
        r.status === "built"
          ? style.green(r.status)
          : r.status === "failed"
            ? style.red(r.status)
            : style.yellow(r.status);
      const source = r.commit ? `${r.ref} ${r.commit.slice(0, 12)}` : r.ref;
      const digest = r.digest ? r.digest.slice(0, 19) : "-";
      const why = r.error ? `\n    ${r.error}` : "";
      const promoted = r.promotedFrom ? `  (build of ${r.promotedFrom})` : "";
      return `${r.service} ${r.version}  ${status}  ${source}  ${digest}  ${r.createdAt}${promoted}\n    log: ${r.buildLog}${why}`;
    })
    .join("\n")
    .concat("\n");
}
