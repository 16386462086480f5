import type { Command } from "commander";
import { printJson } from "../output.js";
import { projectDirFor } from "../project.js";
import { loadProjectConfig, type LoadedProjectConfig } from "../../config/load.js";

/**
 * `slipway config validate` checks slipway.yaml (exit 2 with file:line:col problems when invalid),
 * for CI and editors; `slipway config show` prints it as Slipway reads it, every default applied.
 */
export function registerConfig(program: Command): void {
  const config = program
    .command("config")
    .description("Check slipway.yaml, or print it with every default applied");

  config
    .command("validate")
    .description("Validate slipway.yaml; problems are printed as slipway.yaml:LINE:COL: path: expected …")
    .option("--dir <path>", "project directory (default: found from the current folder upwards)")
    .option("--json", "print one JSON document")
    .action((options: { dir?: string; json?: boolean }) => {
      const loaded = loadProjectConfig(projectDirFor(options.dir));
      if (options.json) printJson({ valid: true, file: loaded.file, ...summary(loaded) });
      else {
        const { services, environments } = summary(loaded);
        process.stdout.write(
          `${loaded.file} is valid: ${plural(services.length, "service")} (${services.join(", ")}), ${plural(environments.length, "environment")} (${environments.join(", ")})\n`,
        );
      }
    });

  config
    .command("show")
    .description("Print the configuration as Slipway reads it (JSON; durations in milliseconds)")
    .option("--dir <path>", "project directory (default: found from the current folder upwards)")
    .action((options: { dir?: string }) => {
      printJson(loadProjectConfig(projectDirFor(options.dir)));
    });
}

function summary(config: LoadedProjectConfig) {
  return { services: Object.keys(config.services), environments: Object.keys(config.environments) };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
