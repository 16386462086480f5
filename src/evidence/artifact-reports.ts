import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { SlipwayError } from "../core/errors.js";

/** Reports bigger than this are refused (a coverage report of a large monorepo fits easily). */
export const MAX_REPORT_BYTES = 50 * 1024 * 1024;

/**
 * The files of one run's artifact, as the pipeline engine keeps them
 * (`<dataDir>/artifacts/<runId>/<name>/`, src/pipelines/artifacts): each is read as a report.
 */
export function artifactFiles(
  dataDir: string,
  runId: number,
  name: string,
): { file: string; bytes: Buffer }[] {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `not an artifact name: ${JSON.stringify(name)}`);
  const root = join(dataDir, "artifacts", String(runId), name);
  const files: { file: string; bytes: Buffer }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile())
        files.push({ file: relative(root, path).split(sep).join("/"), bytes: readFileSync(path) });
    }
  };
  try {
    walk(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new SlipwayError(
        "SLIPWAY_NOT_FOUND",
        `run ${runId} has no artifact named ${JSON.stringify(name)}`,
      );
    throw error;
  }
  const big = files.find((f) => f.bytes.length > MAX_REPORT_BYTES);
  if (big)
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `${big.file}: over ${MAX_REPORT_BYTES} bytes, not read as a report`,
    );
  if (files.length === 0)
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `artifact ${name} of run ${runId} has no files`);
  return files;
}
