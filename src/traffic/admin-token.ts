import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ADMIN_TOKEN_ENV = "SLIPWAY_PROXY_TOKEN";
export const ADMIN_TOKEN_FILE = "admin-token";

/**
 * The admin API's bearer token: SLIPWAY_PROXY_TOKEN when set, else `<stateDir>/admin-token`,
 * created with a random value (mode 0600) on first start so only the owner can read it.
 */
export function resolveAdminToken(stateDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[ADMIN_TOKEN_ENV]?.trim();
  if (fromEnv) return fromEnv;
  const file = join(stateDir, ADMIN_TOKEN_FILE);
  try {
    const existing = readFileSync(file, "utf8").trim();
    if (existing) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(stateDir, { recursive: true });
  const token = randomBytes(32).toString("hex");
  // "wx" so two proxies starting at once cannot both write; the loser reads the winner's token.
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: "wx" });
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readFileSync(file, "utf8").trim();
    throw error;
  }
}

/** Constant-time check of an `Authorization: Bearer <token>` header. */
export function isAuthorized(header: string | undefined, token: string): boolean {
  if (!header?.startsWith("Bearer ")) return false;
  const given = Buffer.from(header.slice("Bearer ".length).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
