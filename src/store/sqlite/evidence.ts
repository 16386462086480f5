import type { Attestation } from "../../core/evidence/types.js";
import type { AttestationWrite, EvidenceStore } from "../ports/evidence-store.js";
import {
  ATTESTATION_COLUMNS,
  attestationFromRow,
  attestationParams,
  type AttestationRow,
} from "../rows/evidence-rows.js";
import { settle, type SqliteDatabase } from "./database.js";

/** SQLite adapter of the EvidenceStore port (table from migration 014). */
export class SqliteEvidenceStore implements EvidenceStore {
  constructor(private readonly db: SqliteDatabase) {}

  add(write: AttestationWrite): Promise<{ attestation: Attestation; created: boolean }> {
    return settle(() => {
      const inserted = this.db
        .prepare(
          `INSERT INTO release_attestations (${ATTESTATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (service, version, kind, digest) DO NOTHING`,
        )
        .run(...attestationParams(write));
      const row = this.db
        .prepare(
          "SELECT * FROM release_attestations WHERE service = ? AND version = ? AND kind = ? AND digest = ?",
        )
        .get(write.service, write.version, write.kind, write.digest) as AttestationRow;
      return { attestation: attestationFromRow(row), created: inserted.changes > 0 };
    });
  }

  list(service: string, version: string): Promise<Attestation[]> {
    return settle(() =>
      (
        this.db
          .prepare("SELECT * FROM release_attestations WHERE service = ? AND version = ? ORDER BY id")
          .all(service, version) as AttestationRow[]
      ).map(attestationFromRow),
    );
  }
}
