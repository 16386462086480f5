import { chmodSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { issueApiToken } from "../auth/accounts.js";
import { ADMIN_TOKEN_FILE, readTokenFile } from "./admin-token-file.js";
import type { AccessStore } from "../store/ports/access-store.js";
import { parseApiToken, verifyApiToken } from "../auth/tokens.js";

export const ADMIN_TOKEN_NAME = "local admin (admin-token file)";

/**
 * Makes sure `<data>/admin-token` holds a live admin token: kept when it still verifies, else a new
 * one is issued (first start, file deleted, or token revoked) and written with mode 0600. Whoever can
 * read the data directory already controls the project, so the file grants nothing new.
 */
export async function ensureAdminToken(
  store: AccessStore,
  dataDir: string,
  now: number,
): Promise<{ token: string; created: boolean; file: string }> {
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  const existing = readTokenFile(file);
  if (existing) {
    const parsed = parseApiToken(existing);
    const record = parsed && (await store.findToken(parsed.id));
    if (
      record &&
      record.role === "admin" &&
      record.revokedAt === null &&
      (record.expiresAt === null || record.expiresAt > now) &&
      verifyApiToken(existing, record.hash)
    ) {
      return { token: existing, created: false, file };
    }
  }
  const { token } = await issueApiToken(store, {
    name: ADMIN_TOKEN_NAME,
    role: "admin",
    createdBy: "slipway",
    now,
  });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${token}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return { token, created: true, file };
}
