import { homedir } from "node:os";
import { join, relative, resolve } from "node:path";
import picomatch from "picomatch";
import { DEFAULTS } from "../../../core/defaults.js";
import { ArtifactStore } from "../../artifacts/artifact-store.js";
import type { ActionContext, BuiltinAction } from "../contract.js";
import { booleanInput, integerInput, stringInput } from "./inputs.js";
import { leastCommonAncestor, parsePathPatterns, resolveFiles, searchRoot } from "./path-patterns.js";

export const artifactStoreFor = (dataDir: string): ArtifactStore =>
  new ArtifactStore(join(dataDir, "artifacts"));

type IfNoFilesFound = "warn" | "error" | "ignore";

function ifNoFilesFound(context: ActionContext): IfNoFilesFound {
  const value = stringInput(context, "if-no-files-found", "warn");
  if (value === "warn" || value === "error" || value === "ignore") return value;
  throw new Error(`input if-no-files-found: expected warn, error or ignore, got ${JSON.stringify(value)}`);
}

/** `actions/upload-artifact`: copies the matched files into this run's artifact store. */
export const uploadArtifactAction: BuiltinAction = {
  name: "actions/upload-artifact",
  inputs: {
    name: { description: "Artifact name", default: "artifact" },
    path: { description: "Files, directories or globs to upload (one per line; ! excludes)", required: true },
    "if-no-files-found": { description: "warn, error or ignore when nothing matches", default: "warn" },
    "retention-days": { description: "Days before the artifact expires (0: the default)", default: "90" },
    overwrite: { description: "Replace an artifact of the same name in this run", default: "false" },
    "include-hidden-files": {
      description: "Include files and directories whose name starts with '.'",
      default: "false",
    },
    "compression-level": {
      description: "Accepted for compatibility; artifacts are stored uncompressed on the host",
    },
  },
  async run(context) {
    const name = stringInput(context, "name", "artifact");
    const pathInput = stringInput(context, "path");
    if (pathInput === "") throw new Error("input path is required and was not supplied");
    const patterns = parsePathPatterns(context.inputs.path ?? "", context.workspace);
    const files = resolveFiles(patterns, {
      includeHidden: booleanInput(context, "include-hidden-files", false),
    });
    if (files.length === 0) {
      const message = `No files were found with the provided path: ${pathInput}. No artifacts will be uploaded.`;
      switch (ifNoFilesFound(context)) {
        case "error":
          throw new Error(message);
        case "warn":
          context.warning(message);
          return;
        case "ignore":
          context.log(message);
          return;
      }
    }
    // Paths inside the artifact are relative to the least common ancestor of the search roots,
    // so `path: dist/widgets/shopify/` uploads `widget.js`, not `dist/widgets/shopify/widget.js`.
    const root = leastCommonAncestor(patterns.include.map(searchRoot));
    const retention = integerInput(context, "retention-days", 0);
    if (retention < 0) throw new Error("input retention-days: must be 0 (the default) or more");
    const record = await artifactStoreFor(context.dataDir).upload(
      context.runId,
      name,
      files.map((absolutePath) => ({ absolutePath, relativePath: relative(root, absolutePath) })),
      {
        retentionDays: retention === 0 ? DEFAULTS.artifactRetentionDays : retention,
        overwrite: booleanInput(context, "overwrite", false),
      },
    );
    context.log(`Artifact ${name} uploaded: ${record.fileCount} file(s), ${record.sizeBytes} bytes`);
    context.setOutput("artifact-id", record.digest.slice(0, 16));
    context.setOutput("artifact-digest", record.digest);
    context.setOutput("artifact-url", "");
  },
};

/** `actions/download-artifact`: by name into `path`, or every artifact of the run into `path/<name>/`. */
export const downloadArtifactAction: BuiltinAction = {
  name: "actions/download-artifact",
  inputs: {
    name: { description: "Artifact to download; all artifacts of the run when empty" },
    // No default text: an empty path is the workspace (a literal "$GITHUB_WORKSPACE" was a folder of that name).
    path: { description: "Destination directory; the workspace when empty" },
    pattern: { description: "Glob over artifact names, when name is empty" },
    "merge-multiple": { description: "Put every matched artifact's files in path itself", default: "false" },
    "run-id": { description: "Another run (of this host) to download from; default this run" },
    "github-token": { description: "Accepted for compatibility; ignored" },
    repository: { description: "Accepted for compatibility; only this repository's runs are local" },
  },
  async run(context) {
    const store = artifactStoreFor(context.dataDir);
    const runId = stringInput(context, "run-id", context.runId);
    const pathInput = stringInput(context, "path");
    const expanded = pathInput.startsWith("~") ? homedir() + pathInput.slice(1) : pathInput;
    const destination = resolve(context.workspace, expanded);
    const name = stringInput(context, "name");
    if (name !== "") {
      const record = await store.download(runId, name, destination);
      context.log(`Artifact ${name} (${record.fileCount} file(s)) downloaded to ${destination}`);
    } else {
      const pattern = stringInput(context, "pattern");
      const matches = pattern === "" ? () => true : picomatch(pattern);
      const records = (await store.list(runId)).filter((record) => matches(record.name));
      if (records.length === 0)
        context.warning(`No artifacts to download in run ${runId}${pattern ? ` matching ${pattern}` : ""}.`);
      const merge = booleanInput(context, "merge-multiple", false);
      for (const record of records) {
        await store.download(runId, record.name, merge ? destination : join(destination, record.name));
        context.log(`Artifact ${record.name} (${record.fileCount} file(s)) downloaded`);
      }
    }
    context.setOutput("download-path", destination);
  },
};
