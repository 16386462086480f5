import { readFileSync } from "node:fs";
import { SlipwayError } from "../core/errors.js";

export const SECRET_ENV_PREFIX = "SLIPWAY_SECRET_";

/**
 * Collects secrets from, lowest precedence first: `SLIPWAY_SECRET_<NAME>` environment variables,
 * `--secrets-file` (dotenv: `NAME=value`, quotes, `#` comments, double-quoted `\n` escapes), then
 * `--secret NAME=value` flags.
 */
export function collectSecrets(options: {
  env: Record<string, string | undefined>;
  file?: string;
  flags?: string[];
}): Record<string, string> {
  const secrets = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(options.env)) {
    if (key.startsWith(SECRET_ENV_PREFIX) && value !== undefined)
      secrets[key.slice(SECRET_ENV_PREFIX.length)] = value;
  }
  if (options.file) Object.assign(secrets, parseDotenv(readSecretsFile(options.file), options.file));
  for (const flag of options.flags ?? []) {
    const [name, value] = splitPair(flag, "--secret");
    secrets[name] = value;
  }
  return secrets;
}

function readSecretsFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `--secrets-file ${path}: ${(error as Error).message}`);
  }
}

/** `K=V` → [K, V]; an error naming the flag otherwise (never echoing the value). */
export function splitPair(text: string, flag: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${flag} expects NAME=VALUE`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

export function parseDotenv(text: string, file: string): Record<string, string> {
  const result = Object.create(null) as Record<string, string>;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${file}:${i + 1}:1: expected NAME=value`);
    const name = match[1] as string;
    let value = match[2] ?? "";
    const quote = value.charAt(0);
    if (quote === '"' || quote === "'") {
      // A quoted value may span lines until its closing quote (multi-line keys and certificates).
      let body = value.slice(1);
      while (!body.endsWith(quote) && i + 1 < lines.length) body += `\n${lines[++i] ?? ""}`;
      if (!body.endsWith(quote))
        throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${file}:${i + 1}:1: unterminated ${quote}`);
      value = body.slice(0, -1);
      if (quote === '"') value = value.replace(/\\n/g, "\n");
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    result[name] = value;
  }
  return result;
}
