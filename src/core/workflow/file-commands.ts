/**
 * Parses the files steps write to ($GITHUB_OUTPUT, $GITHUB_ENV, $GITHUB_STATE): `name=value` lines
 * and multi-line `name<<DELIMITER` … `DELIMITER` blocks, as GitHub's runner accepts them.
 */
export function parseKeyValueFile(content: string): { values: [string, string][]; problems: string[] } {
  const values: [string, string][] = [];
  const problems: string[] = [];
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "") continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    const equals = line.indexOf("=");
    if (heredoc && (equals === -1 || equals > line.indexOf("<<"))) {
      const name = (heredoc[1] ?? "").trim();
      const delimiter = heredoc[2] ?? "";
      const body: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delimiter) {
          closed = true;
          break;
        }
        body.push(lines[i] ?? "");
      }
      if (!closed) problems.push(`matching delimiter '${delimiter}' not found for '${name}'`);
      else values.push([name, body.join("\n")]);
      continue;
    }
    if (equals <= 0) {
      problems.push(`invalid line (expected name=value or name<<DELIMITER): ${line.slice(0, 40)}`);
      continue;
    }
    values.push([line.slice(0, equals), line.slice(equals + 1)]);
  }
  return { values, problems };
}

/** A `::command key=value,…::message` line a step printed. */
export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

/** Recognises a workflow command line; anything else is ordinary output. */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const match = /^\s*::([A-Za-z0-9_-]+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!match) return undefined;
  const properties: Record<string, string> = {};
  for (const pair of (match[2] ?? "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0) properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
  }
  return { command: (match[1] ?? "").toLowerCase(), properties, message: unescapeData(match[3] ?? "") };
}

function unescapeData(value: string): string {
  return value.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n").replace(/%25/g, "%");
}

function unescapeProperty(value: string): string {
  return unescapeData(value).replace(/%3A/gi, ":").replace(/%2C/gi, ",");
}
