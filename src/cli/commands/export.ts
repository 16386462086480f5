import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { Command } from "commander";
import { globSync } from "tinyglobby";
import { stringify } from "yaml";
import { loadProjectConfig } from "../../config/load.js";
import { SlipwayError } from "../../core/errors.js";
import { exportKubernetes, type FlagFile, type KubernetesExport } from "../../export/kubernetes/index.js";
import { parseFlagFile, readFlagFile } from "../../flags/load.js";
import { splitPair } from "../../pipelines/secrets.js";
import { printJson } from "../output.js";
import { projectDirFor } from "../project.js";

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface ExportKubernetesOptions {
  env: string;
  out?: string;
  image: string[];
  namespace?: string;
  gateway: string;
  dir?: string;
  json?: boolean;
}

/**
 * `slipway export kubernetes`: slipway.yaml as Argo Rollouts, Services, Gateway API HTTPRoutes,
 * AnalysisTemplates and a flags ConfigMap, each validated against its schema; every setting
 * without an equivalent is listed (docs/kubernetes.md).
 */
export function registerExport(program: Command): void {
  const exporter = program
    .command("export")
    .description("Turn slipway.yaml into another system's configuration");
  exporter
    .command("kubernetes")
    .description(
      "Write manifests for Kubernetes with Argo Rollouts and the Gateway API; list what cannot be translated",
    )
    .requiredOption("--env <name>", "the environment whose strategy, steps and analysis to export")
    .option("--out <dir>", "write one file per object into this folder (default: one YAML stream on stdout)")
    .option("--image <service=image>", "container image of a service (repeatable)", collect, [])
    .option("--namespace <name>", "namespace of every object (default: none, so kubectl's current one)")
    .option("--gateway <name[/namespace]>", "the Gateway the HTTPRoutes attach to", "slipway")
    .option("--dir <path>", "project directory (default: found from the current folder upwards)")
    .option("--json", "print one JSON document: manifests and untranslated settings")
    .addHelpText(
      "after",
      "\nSlipway runs no cluster here: the manifests are validated against the Kubernetes, Argo Rollouts\n" +
        "and Gateway API schemas, not applied. Every setting with no equivalent is listed (stderr).\n",
    )
    .action(async (options: ExportKubernetesOptions) => {
      const dir = projectDirFor(options.dir);
      const config = loadProjectConfig(dir);
      const [gatewayName, gatewayNamespace] = options.gateway.split("/");
      const result = await exportKubernetes(config, {
        environment: options.env,
        images: Object.fromEntries(options.image.map((pair) => splitPair(pair, "--image"))),
        ...(options.namespace !== undefined && { namespace: options.namespace }),
        gateway: {
          name: gatewayName as string,
          ...(gatewayNamespace !== undefined && { namespace: gatewayNamespace }),
        },
        flagFiles: flagFilesOf(dir, config.flags),
      });
      if (options.json) return printJson(result);
      if (options.out !== undefined) writeFiles(options.out, result);
      else process.stdout.write(result.manifests.map((m) => stringify(m)).join("---\n"));
      process.stderr.write(untranslatedText(result));
    });
}

/** The project's flag files, validated as the control plane would serve them, keyed by file name. */
function flagFilesOf(dir: string, patterns: readonly string[]): FlagFile[] {
  const files = globSync([...patterns], { cwd: dir, onlyFiles: true, absolute: true }).sort();
  const byName = new Map<string, string>();
  return files.map((file) => {
    const text = readFlagFile(file);
    parseFlagFile(relative(dir, file), text);
    const name = basename(file);
    const other = byName.get(name);
    if (other !== undefined)
      throw new SlipwayError(
        "SLIPWAY_INVALID_ARGUMENT",
        `flag files ${relative(dir, other)} and ${relative(dir, file)} share the name ${name}, which keys the ConfigMap: rename one`,
      );
    byName.set(name, file);
    return { name, text };
  });
}

function writeFiles(out: string, result: KubernetesExport): void {
  mkdirSync(out, { recursive: true });
  for (const manifest of result.manifests)
    writeFileSync(
      join(out, `${manifest.kind.toLowerCase()}-${manifest.metadata.name}.yaml`),
      stringify(manifest),
    );
  process.stdout.write(`wrote ${result.manifests.length} manifests to ${out}\n`);
}

function untranslatedText(result: KubernetesExport): string {
  if (result.untranslated.length === 0) return "every setting was translated\n";
  const lines = result.untranslated.map(
    (u) => `  ${u.path}: ${u.reason}${u.instead ? `\n    instead: ${u.instead}` : ""}`,
  );
  return `not translated (${result.untranslated.length}):\n${lines.join("\n")}\n`;
}
