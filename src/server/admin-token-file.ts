import { readFileSync } from "node:fs";

/** `<data>/admin-token`: the local admin's API token, readable by the data directory's owner only. */
export const ADMIN_TOKEN_FILE = "admin-token";

/** The token in an admin-token file, or undefined when there is none. */
export function readTokenFile(file: string): string | undefined {
  try {
    const text = readFileSync(file, "utf8").trim();
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}
