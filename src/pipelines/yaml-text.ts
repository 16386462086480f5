import { readFileSync } from "node:fs";

/**
 * The text of a YAML file the pipeline reads (workflows, action.yml), with Windows (CRLF) and old
 * Mac (CR) line ends turned into LF and a byte-order mark dropped. The YAML parser keeps `\r` inside
 * block scalars, which would reach `run:` scripts (`exit 0\r`) and expressions; GitHub's runner
 * reads such files as if they had LF line ends.
 */
export function readYamlText(path: string): string {
  return normaliseYamlText(readFileSync(path, "utf8"));
}

export function normaliseYamlText(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
}
