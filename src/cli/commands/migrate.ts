import type { Command } from "commander";
import { printJson } from "../output.js";
import { DATABASE_HELP, projectDatabase, stateUrl, withStore } from "../state.js";

/**
 * `slipway migrate`: brings the state database's schema up to this release's, and says what it
 * applied. Idempotent (nothing to do the second time); refuses a database a newer release migrated.
 * Servers migrate on start too; run this first to upgrade while the old release still runs, or to
 * prepare an empty PostgreSQL database.
 */
export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("Apply pending schema migrations to the state database and print what was applied")
    .option("--dir <dir>", "project directory (its .slipway/slipway.db is the default database)", ".")
    .option("--database <url>", DATABASE_HELP)
    .option("--json", "print one JSON document")
    .action(async (options: { dir: string; database?: string; json?: boolean }) => {
      const report = await withStore(stateUrl(options.database, projectDatabase(options.dir)), (store) =>
        Promise.resolve({ location: store.location, ...store.migration }),
      );
      if (options.json) return printJson(report);
      const lines =
        report.applied.length === 0
          ? [`${report.location}: up to date (schema version ${report.version}); nothing applied`]
          : [
              `${report.location}: applied ${report.applied.length} migration(s), now at schema version ${report.version}`,
              ...report.applied.map((m) => `  ${String(m.version).padStart(3, "0")} ${m.name}`),
            ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
